"""The client's own troubles, against a real rpdb: its output fails, or the debugger hangs.

A failure to write the client's output (a reader that went away, a full disk, a closed stderr,
a transcript that cannot be written) is the client's problem, not the program's: the client
detaches safely and exits with ``ExitStatus.OUTPUT_FAILED``. A debugged program frozen (SIGSTOP)
while it runs a command never prompts again: a signal to the client then waits a bounded time for
that prompt and closes, saying what that means for the program. Each test asserts on what the
program experienced (its record) and on the client's exit status.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Optional

from debuggee import Debuggee, start_client, wait_until

from rpdb_client.engine.runner import DETACH_PATIENCE
from rpdb_client.errors import ExitStatus

Start = Callable[..., Debuggee]


def unread_by_the_program(port: int) -> int:
    """Bytes waiting in the receive queue of the program's connection on ``port`` (from /proc)."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as file:
            next(file)
            for line in file:
                fields = line.split()
                if fields[1].endswith(wanted) and fields[3] == "01":  # ESTABLISHED, server side
                    return int(fields[4].split(":")[1], 16)
    return 0


def is_stopped(pid: int) -> bool:
    """The kernel has stopped ``pid`` (state T in /proc/PID/stat): a signal is not at once."""
    with open(f"/proc/{pid}/stat") as file:
        return file.read().rsplit(")", 1)[1].split()[0] == "T"


def read_until_prompt(fd: int, timeout: float = 10.0) -> bytes:
    """What the client printed up to pdb's prompt (line mode shows it with nothing queued)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while not seen.endswith(b"(Pdb) "):
        left = deadline - time.monotonic()
        assert left > 0 and select.select([fd], [], [], left)[0], f"no prompt: {seen!r}"
        chunk = os.read(fd, 65536)
        assert chunk, f"the client ended: {seen!r}"
        seen += chunk
    return seen


def test_a_signal_while_a_frozen_program_runs_a_command_gives_up_after_the_bound(
    debuggee: Start,
) -> None:
    program = debuggee("rpdb", "simple")
    client = start_client("--port", str(program.port))
    try:
        assert client.stdin is not None and client.stderr is not None
        assert client.stdout is not None
        read_until_prompt(client.stdout.fileno())
        os.kill(program.process.pid, signal.SIGSTOP)  # frozen before it can answer
        wait_until(lambda: is_stopped(program.process.pid), 10, "the program to stop")
        client.stdin.write("p x\n")
        client.stdin.flush()
        wait_until(lambda: unread_by_the_program(program.port), 10, "the command to be sent")
        client.send_signal(signal.SIGTERM)
        started = time.monotonic()
        client.wait(timeout=DETACH_PATIENCE + 5)
        took = time.monotonic() - started
        stderr = client.stderr.read()
    finally:
        client.kill()
        os.kill(program.process.pid, signal.SIGCONT)
        program.stop()  # SIGKILL, bounded
    assert client.returncode == ExitStatus.INTERRUPTED, stderr
    assert DETACH_PATIENCE - 0.5 < took < DETACH_PATIENCE + 3, took
    assert f"for {DETACH_PATIENCE:g} s at most" in stderr
    assert f"no prompt came within {DETACH_PATIENCE:g} s" in stderr
    assert "it gets BdbQuit" in stderr
    assert "Traceback" not in stderr


SCRIPT = "p '\u20ac ' * 40000\np x\nx = 5\n"
"""A reply bigger than a pipe's buffer (the reader closes while the client writes it), with a
character latin-1 lacks."""


def run_with_output(
    program: Debuggee, *args: str, env: Optional[dict[str, str]] = None, **streams: Any
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "rpdb_client", "--port", str(program.port), *args],
        stdin=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        **streams,
    )


def finish_client(client: subprocess.Popen[bytes]) -> int:
    assert client.stdin is not None
    try:
        client.stdin.write(SCRIPT.encode())
        client.stdin.close()
    except BrokenPipeError:
        pass  # the client left already
    return client.wait(timeout=20)


def assert_program_untouched(program: Debuggee) -> None:
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record


def test_a_reader_that_goes_away_early(debuggee: Start, tmp_path: Path) -> None:
    """``rpdb-connect ... | head``: EPIPE while the client writes the reply."""
    program = debuggee("rpdb", "simple")
    err = tmp_path / "stderr"
    with open(err, "wb") as stderr:
        client = run_with_output(program, stdout=subprocess.PIPE, stderr=stderr)
    try:
        assert client.stdin is not None and client.stdout is not None
        client.stdin.write(SCRIPT.encode())
        client.stdin.flush()
        assert client.stdout.read(10)
        client.stdout.close()  # what `head -c 10` does
        client.stdin.close()
        status = client.wait(timeout=20)
    finally:
        client.kill()
    assert_program_untouched(program)
    said = err.read_text()
    assert status == ExitStatus.OUTPUT_FAILED, said
    assert "own output failed: cannot write standard output (Broken pipe)" in said
    assert "detached: the program continues" in said and "Traceback" not in said


def run_to_the_end(program: Debuggee, *args: str, **streams: Any) -> int:
    """The client with SCRIPT on stdin, to its end; the program must be untouched."""
    client = run_with_output(program, *args, **streams)
    try:
        status = finish_client(client)
    finally:
        client.kill()
    assert_program_untouched(program)
    return status


def test_a_full_disk_under_stdout(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")
    err = tmp_path / "stderr"
    with open("/dev/full", "wb") as out, open(err, "wb") as stderr:
        status = run_to_the_end(program, stdout=out, stderr=stderr)
    said = err.read_text()
    assert status == ExitStatus.OUTPUT_FAILED, said
    assert "own output failed: cannot write standard output (No space left on device)" in said
    assert "Traceback" not in said and "Exception ignored" not in said


def _files_of_at_most(size: int) -> None:
    """In the client's process: a file may not grow past ``size`` bytes, as on a full disk.

    The transcript must be a regular file of the user's (``/dev/full`` is refused as a device),
    so the disk fills through RLIMIT_FSIZE: a write past it fails with EFBIG (SIGXFSZ, which
    would kill the process, is ignored, as a full disk sends no signal).
    """
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def test_a_full_disk_under_the_transcript(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")
    err, log = tmp_path / "stderr", tmp_path / "session.log"
    with open(err, "wb") as stderr:
        status = run_to_the_end(
            program,
            "--log",
            str(log),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            preexec_fn=lambda: _files_of_at_most(4096),
        )
    said = err.read_text()
    assert status == ExitStatus.OUTPUT_FAILED, said
    assert f"own output failed: cannot write the transcript {log} (File too large)" in said
    assert "Traceback" not in said and "Exception ignored" not in said


def test_a_closed_stderr(debuggee: Start) -> None:
    """``2>&-``: Python starts with ``sys.stderr`` None; nothing can be said, and all is safe."""
    program = debuggee("rpdb", "simple")
    status = run_to_the_end(
        program,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(2),
    )
    assert status == ExitStatus.OUTPUT_FAILED


def test_a_stdout_that_cannot_encode_gets_escapes_and_the_session_goes_on(
    debuggee: Start, tmp_path: Path
) -> None:
    program = debuggee("rpdb", "simple")
    err = tmp_path / "stderr"
    with open(err, "wb") as stderr:
        client = run_with_output(
            program, env={"PYTHONIOENCODING": "latin-1"}, stdout=subprocess.PIPE, stderr=stderr
        )
    try:
        assert client.stdin is not None and client.stdout is not None
        client.stdin.write(SCRIPT.encode())
        client.stdin.close()
        out = client.stdout.read()
        status = client.wait(timeout=20)
    finally:
        client.kill()
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 5  # every line was sent
    said = err.read_text()
    assert status == ExitStatus.OK, said
    assert b"\\u20ac \\u20ac" in out
    assert said.count("cannot encode some characters") == 1
