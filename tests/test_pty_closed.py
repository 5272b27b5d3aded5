"""The terminal goes away under the client (a window closed, a tmux session killed).

A real pseudo-terminal (:mod:`terminal`): its master side is closed, as a terminal emulator does
when its window closes, and the kernel hangs up the session. The client must detach as on SIGHUP,
without a traceback and with the exit status of a signal, and the program must reach its end
(issue 11 item 9: it died with I/O-error tracebacks and exit 1).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pytest
from debuggee import Debuggee, wait_until

from rpdb_client.errors import ExitStatus

Start = Callable[..., Debuggee]


def exit_status(pid: int, timeout: float = 15) -> int:
    """Reap the client (its terminal is gone, so pexpect cannot); killed at the deadline."""
    found: list[int] = []

    def reaped() -> bool:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            found.append(os.waitstatus_to_exitcode(status))
        return bool(done)

    try:
        wait_until(reaped, timeout, "the client to exit")
    except AssertionError:
        os.kill(pid, 9)
        raise
    return found[0]


@pytest.mark.parametrize("state", ["at-prompt", "running"])
def test_a_closed_terminal_detaches_without_a_traceback(
    debuggee: Start, terminal: Any, tmp_path: Path, state: str
) -> None:
    program = debuggee("rpdb", "simple")
    stderr = tmp_path / "stderr.txt"
    term = terminal("--port", str(program.port), "--no-history", stderr=stderr)
    term.wait_for(lambda t: t.row_of("(Pdb)") >= 0, "the first prompt")
    term.send("x = 12\r")
    term.wait_for(lambda t: t.text().count("(Pdb)") >= 2, "the next prompt")
    if state == "running":
        term.send("!__import__('time').sleep(0.5)\r")
        term.wait_for(lambda t: "(running)" in t.text(), "the command running")
    os.close(term.child.child_fd)  # the window goes away: nothing else is sent
    status = exit_status(term.child.pid)
    term.child.ptyproc.terminated = True  # reaped here: the fixture must not wait for it
    record = program.finish()
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 12
    written = stderr.read_text()
    assert "Traceback" not in written and "Exception" not in written, written
    assert status == ExitStatus.INTERRUPTED, written
