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
import signal
import time
from typing import Callable

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


def test_a_signal_while_a_frozen_program_runs_a_command_gives_up_after_the_bound(
    debuggee: Start,
) -> None:
    program = debuggee("rpdb", "simple")
    client = start_client("--port", str(program.port))
    try:
        assert client.stdin is not None and client.stderr is not None
        assert "connected to" in client.stderr.readline()
        os.kill(program.process.pid, signal.SIGSTOP)  # frozen before it can answer
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
