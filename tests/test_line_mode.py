"""The engine against real servers, in line mode: what the debugged program experienced.

Each test starts a real rpdb, remote-pdb, celery.contrib.rdb or plain pdb-on-a-socket program,
drives it with the real ``rpdb-connect`` command, and asserts on the program's own record (it
reached its end, values set through the debugger took effect, no BdbQuit) as well as on the
client's output and exit status. The command runs in a subprocess, except where the test is
about what the client reads from its standard input or needs no server: then it runs in-process
through an environment of the test's own (``run_command``), stdin bytes and all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import signal
import stat
import subprocess
import sys
import sysconfig
import threading
from pathlib import Path
from typing import Callable

import pytest
from debuggee import (
    KINDS,
    STOPS_ON_THE_CALL,
    Debuggee,
    free_port,
    line_of,
    run_client,
    start_client,
    wait_until,
)
from in_process import RunCommand, memory_environment

from rpdb_client.config import Settings
from rpdb_client.line_mode import LineFrontEnd

Start = Callable[..., Debuggee]


def assert_clean_end(record: dict[str, object]) -> None:
    assert record["error"] is None, record
    assert record["reached_end"] is True, record


@pytest.mark.parametrize("kind", KINDS)
def test_inspect_step_and_assign(debuggee: Start, kind: str) -> None:
    program = debuggee(kind, "simple")
    script = "p x\np word\nl\nbt\nx = 20\ns\nn\nn\nn\n"
    if STOPS_ON_THE_CALL:  # first over the stop() call, to the line the script is about
        script = "n\n" + script
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"] == {"x": 20, "y": 40, "word": "caf\u00e9"}
    out = result.stdout
    if STOPS_ON_THE_CALL:
        assert (
            out.startswith("> ") and "simple()\n-> stop()  # marker: simple stop\n(Pdb) n\n" in out
        )
    assert "(Pdb) p x\n1\n" in out
    assert "'café'" in out
    assert "->\t    y = helper(x)" in out  # the listing, with the current line marked
    assert "target.py" in out and "simple()" in out  # bt
    assert "--Call--" in out and "helper()" in out  # `s` stepped into helper
    assert "Traceback" not in result.stderr
    assert "detached: the program continues" in result.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_continue_ends_the_session(debuggee: Start, kind: str) -> None:
    program = debuggee(kind, "simple")
    result = run_client("--port", str(program.port), stdin="x = 5\nc\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 5
    assert "session ended: the program continued" in result.stderr


@pytest.mark.parametrize("kind", ["rpdb", "remote_pdb"])
def test_nested_debug(debuggee: Start, kind: str) -> None:
    program = debuggee(kind, "simple")
    result = run_client(
        "--port", str(program.port), stdin="debug helper(4)\ns\nn\np n\nc\nx = 7\nc\n"
    )
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 7
    assert "((Pdb)) p n\n4\n" in result.stdout
    assert "LEAVING RECURSIVE DEBUGGER" in result.stdout


# A pdb on a socket is not known to keep its connection after `c`: its breakpoints are cleared
# at the `c` (test_safety.py), so the command list below would never run there.
@pytest.mark.parametrize("kind", ["remote_pdb"])
def test_commands_list_and_breakpoints_cleared_on_detach(debuggee: Start, kind: str) -> None:
    program = debuggee(kind, "steps")
    script = f"b {line_of('loop body')}\ncommands 1\np 'hit', i\nend\nc\n"
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["total"] == 3
    assert "(com) p 'hit', i\n(com) end\n" in result.stdout
    assert "('hit', 0)" in result.stdout
    # End of input: the breakpoint this session set is cleared before the detach's `c`,
    # so the program does not stop again with nobody reading.
    assert "(Pdb) cl 1\nDeleted breakpoint 1" in result.stdout
    assert "('hit', 1)" not in result.stdout


def test_breakpoint_then_continue_on_remote_pdb(debuggee: Start) -> None:
    program = debuggee("remote_pdb", "breakpoint_later")
    script = f"b {line_of('after x = 2')}\nc\np x\nx = 30\nc\n"
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 3  # line 104 then ran `x = 3`
    assert "Breakpoint 1 at" in result.stdout
    assert "(Pdb) p x\n2\n" in result.stdout  # stopped again on the same connection


def test_wait_across_a_loop_with_count(debuggee: Start) -> None:
    program = debuggee("rpdb", "loop3")
    script = "value = value * 10\nc\nvalue = value * 10\nc\nvalue = value * 10\nc\n"
    result = run_client(
        "--port", str(program.port), "--wait", "--count", "3", "-c", "p i", stdin=script
    )
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["seen"] == [0, 10, 20]
    assert result.stderr.count("connected to") == 3
    assert "(Pdb) p i\n2\n" in result.stdout


def test_piped_script_of_fifty_commands_loses_none(debuggee: Start) -> None:
    program = debuggee("rpdb", "counter")
    script = "".join(f"count = count + 1\np {n}\n" for n in range(25))
    assert script.count("\n") == 50
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["count"] == 25
    for n in range(25):
        assert f"(Pdb) p {n}\n{n}\n" in result.stdout


@pytest.mark.parametrize("kind", KINDS)
def test_end_of_stdin_detaches_safely(debuggee: Start, kind: str) -> None:
    program = debuggee(kind, "simple")
    result = run_client("--port", str(program.port), stdin="")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 1


@pytest.mark.parametrize(
    ("kind", "signum"),
    [("rpdb", signal.SIGTERM), ("remote_pdb", signal.SIGTERM), ("rpdb", signal.SIGHUP)],
)
def test_a_signal_detaches_safely(debuggee: Start, kind: str, signum: int) -> None:
    program = debuggee(kind, "simple")
    client = start_client("--port", str(program.port))
    try:
        assert client.stdin is not None and client.stdout is not None
        stdout = client.stdout
        client.stdin.write("p x\n")
        client.stdin.flush()
        wait_until(lambda: stdout.readline() == "1\n" or None, 10, "the reply to p x")
        client.send_signal(signum)
        _, stderr = client.communicate(timeout=10)
    finally:
        client.kill()
    record = program.finish()
    assert client.returncode == 130, stderr
    assert_clean_end(record)
    assert "detached: the program continues" in stderr


def test_program_killed_mid_session(debuggee: Start) -> None:
    program = debuggee("rpdb", "simple")
    client = start_client("--port", str(program.port))
    try:
        assert client.stdin is not None and client.stdout is not None
        stdout = client.stdout
        client.stdin.write("p x\n")
        client.stdin.flush()
        wait_until(lambda: stdout.readline() == "1\n" or None, 10, "the reply to p x")
        program.process.kill()
        client.wait(timeout=10)  # stdin stays open: the client notices the loss by itself
        stderr = client.stderr.read() if client.stderr else ""
    finally:
        client.kill()
    assert client.returncode == 1
    assert "connection lost" in stderr
    assert "harakiri" in stderr
    assert "Traceback" not in stderr


def test_refused_exits_3_with_a_hint(run_command: RunCommand) -> None:
    result = run_command("--port", str(free_port()))
    assert result.returncode == 3
    assert "refused" in result.stderr and "set_trace()" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_line_of_stdin_that_is_not_utf8_is_not_sent(
    debuggee: Start, run_command: RunCommand
) -> None:
    program = debuggee("rpdb", "simple")
    stdin = b"x = 4\np '\xe9'\np x\nc\n"  # line 2 is Latin-1
    result = run_command("--port", str(program.port), stdin=stdin)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 4
    assert "line 2 of standard input is not UTF-8; not sent" in result.stderr
    assert "(Pdb) p x\n4\n(Pdb) c\n" in result.stdout


def test_big_reply_arrives_whole(debuggee: Start) -> None:
    program = debuggee("rpdb", "big")
    result = run_client("--port", str(program.port), stdin="p blob\nc\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert "'" + "x" * 1_000_000 + "'\n(Pdb) c\n" in result.stdout


def test_undecodable_bytes_are_shown_replaced(debuggee: Start) -> None:
    program = debuggee("pdb_latin1", "simple")
    result = run_client("--port", str(program.port), stdin="p word\nc\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert "'caf\ufffd'" in result.stdout


def test_transcript_of_a_session(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")
    log = tmp_path / "session.log"
    result = run_client("--port", str(program.port), "--log", str(log), stdin="p x\nx = 6\nc\n")
    assert result.returncode == 0, result.stderr
    assert program.finish()["values"]["x"] == 6
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text()
    assert re.search(rf"session 1: target 127\.0\.0\.1:{program.port}, peer .*pid \d+", text)
    assert re.search(r"\d\d:\d\d:\d\d\.\d+ > p x\n\d\d:\d\d:\d\d\.\d+ \| 1\n", text)
    assert "> x = 6" in text and "# session ended: the program continued" in text


def test_an_unwritable_transcript_is_one_warning(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")
    log = tmp_path / "no such directory" / "session.log"
    result = run_client("--port", str(program.port), "--log", str(log), stdin="x = 2\nc\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count(f"cannot write the transcript {log}") == 1
    assert program.finish()["values"]["x"] == 2


def test_rpdb_with_ipythons_debugger(debuggee: Start) -> None:
    """rpdb uses IPython's debugger when IPython is importable: ``ipdb>``, colours, same safety.

    The base interpreter behind the virtual environment is used, with the environment's packages
    on its path: it imports IPython when the machine has it (skipped otherwise).
    """
    base = os.path.realpath(sys.executable)
    env = {"PYTHONPATH": sysconfig.get_paths()["purelib"]}
    found = subprocess.run([base, "-c", "import IPython"], env={**os.environ, **env}, check=False)
    if found.returncode != 0:
        pytest.skip("IPython is not importable by the base interpreter")
    program = debuggee("rpdb", "simple", env=env, executable=base)
    result = run_client("--port", str(program.port), stdin="p x\nx = 5\nc\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 5
    assert "ipdb> p x\n" in result.stdout and "session ended: the program continued" in (
        result.stderr
    )


def test_input_that_comes_after_the_run_is_dropped_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run can end first (a refused connection) while stdin still has lines to hand over."""
    errors: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: errors.append(args.exc_value))
    read, write = os.pipe()
    before = set(threading.enumerate())

    stdin = os.fdopen(read)
    env = dataclasses.replace(memory_environment()[0], stdin=stdin)

    async def start_reading() -> None:
        LineFrontEnd(Settings(), env).read_stdin()

    asyncio.run(start_reading())  # the loop is closed when this returns
    (reader,) = set(threading.enumerate()) - before
    os.write(write, b"p x\nc")
    os.close(write)
    reader.join(10)
    stdin.close()
    assert not reader.is_alive() and errors == []
