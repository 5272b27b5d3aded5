"""A ``c`` and a detach against real servers: what the debugged program experienced.

Issue 11, items 2 and 14. A ``c`` typed with breakpoints left, on a server that closes the
connection on ``c`` (rpdb, celery's rdb, a pdb on a socket), would leave them to fire into a
closed socket: the session clears them first and says so; on remote-pdb, which keeps the
connection, they stay and stop the program again. The README's tracepoint recipe
(``--wait -c CMD </dev/null``) on remote-pdb must not hold the program at every stop: the detach
ends once the server has read its ``c``.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from debuggee import Debuggee, run_client

Start = Callable[..., Debuggee]


def assert_clean_end(record: dict[str, Any]) -> None:
    assert record["error"] is None, record  # no BrokenPipeError, no BdbQuit
    assert record["reached_end"] is True, record


@pytest.mark.parametrize(
    ("kind", "line"),
    [
        ("rpdb", "c"),
        ("rpdb", "cont"),
        ("rpdb", "continue"),
        ("rpdb", "p x;;c"),
        ("celery", "c"),
        ("pdb", "c"),
    ],
)
def test_a_c_with_breakpoints_left_clears_them_first(debuggee: Start, kind: str, line: str) -> None:
    # `b helper`: a function the program calls after the stop, with nobody connected any more.
    program = debuggee(kind, "simple")
    result = run_client("--port", str(program.port), stdin=f"b helper\n{line}\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["y"] == 2
    assert "clearing breakpoint(s) 1 before c" in result.stderr
    assert "(Pdb) cl 1\nDeleted breakpoint 1" in result.stdout
    assert "session ended: the program continued" in result.stderr


def test_on_remote_pdb_the_breakpoint_stays_and_the_session_comes_back(debuggee: Start) -> None:
    program = debuggee("remote_pdb", "simple")
    result = run_client("--port", str(program.port), stdin="b helper\nc\np n\n!n = 5\nc\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["y"] == 10  # `!n = 5` was typed at the breakpoint in helper()
    assert "clearing" not in result.stderr
    assert "helper()" in result.stdout


def test_the_tracepoint_recipe_does_not_hold_remote_pdb_at_each_stop(debuggee: Start) -> None:
    program = debuggee("remote_pdb", "timed_stops")
    result = run_client(
        "--port", str(program.port), "--wait", "--count", "10", "-c", "p i", stdin="", timeout=60
    )
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    held = record["values"]["held"]
    assert len(held) == 10
    # The first stop also waits for the client to start; each later one is the reconnect, the
    # first screen, `p i` and the detach (about a millisecond; it was about a second, the
    # detach waiting for an end of stream that remote-pdb never sends).
    assert max(held[1:]) < 0.3, held
    assert result.stderr.count("detached: the program continues") == 10
