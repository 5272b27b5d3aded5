"""The flows that matter, with the debugged program on each Python from 3.7 to 3.13.

The debugged program runs under the pyenv interpreter of the version (in an environment of
tests/matrix_pythons.py that imports rpdb and remote-pdb); the client is the suite's own Python.
The oldest and the newest get every flow; each version between them the inspect-assign-step flow
on the three servers. Each test asserts on the program's record (tests/programs/target.py).
A missing interpreter skips its tests with its name, and fails them under CI.
"""

from __future__ import annotations

import time
from typing import Callable

import pytest
from debuggee import Debuggee, line_of, run_client
from matrix_pythons import python_with_servers

Start = Callable[..., Debuggee]
ENDS = ("3.7", "3.13")
BETWEEN = ("3.8", "3.9", "3.10", "3.11", "3.12")
KINDS = ("rpdb", "remote_pdb", "pdb")


def stops_on_the_call(version: str) -> bool:
    """From 3.13, ``set_trace(frame)`` stops on the ``stop()`` line itself, not the next one."""
    return tuple(map(int, version.split("."))) >= (3, 13)


def start_on(debuggee: Start, version: str, kind: str, scenario: str) -> Debuggee:
    return debuggee(kind, scenario, executable=python_with_servers(version))


def assert_clean_end(record: dict[str, object]) -> None:
    assert record["error"] is None, record
    assert record["reached_end"] is True, record


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("version", ENDS + BETWEEN)
def test_inspect_assign_and_step(debuggee: Start, version: str, kind: str) -> None:
    program = start_on(debuggee, version, kind, "simple")
    script = "p x\np word\nl\nx = 20\ns\nn\nn\nn\n"
    if stops_on_the_call(version):
        script = "n\n" + script
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"] == {"x": 20, "y": 40, "word": "caf\u00e9"}
    assert "(Pdb) p x\n1\n" in result.stdout and "'café'" in result.stdout
    assert "--Call--" in result.stdout and "helper()" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("version", ENDS)
def test_nested_debug(debuggee: Start, version: str, kind: str) -> None:
    program = start_on(debuggee, version, kind, "simple")
    script = "debug helper(4)\ns\nn\np n\nc\nx = 7\nc\n"
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 7
    assert "((Pdb)) p n\n4\n" in result.stdout
    assert "LEAVING RECURSIVE DEBUGGER" in result.stdout


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("version", ENDS)
def test_breakpoint_commands_and_continue(debuggee: Start, version: str, kind: str) -> None:
    """A breakpoint with ``commands``, then ``c``. On remote-pdb (known by its CRLF to stay
    connected) it fires on the same connection. A pdb on a socket cannot be told from rpdb, which
    closes on ``c`` (a breakpoint then fires into a closed socket: docs/protocol.md section 4), so
    the client clears it before the ``c`` and says so; the program runs to its end either way."""
    program = start_on(debuggee, version, kind, "steps")
    script = f"b {line_of('loop body')}\ncommands 1\np 'hit', i\nend\nc\n"
    result = run_client("--port", str(program.port), stdin=script, timeout=20)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["total"] == 3
    assert "(com) p 'hit', i\n(com) end\n" in result.stdout
    if kind == "remote_pdb":
        assert "('hit', 0)" in result.stdout
    else:
        assert "clearing breakpoint(s) 1 before c" in result.stderr
        assert "('hit', 0)" not in result.stdout


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("version", ENDS)
def test_end_of_input_detaches_safely(debuggee: Start, version: str, kind: str) -> None:
    program = start_on(debuggee, version, kind, "simple")
    result = run_client("--port", str(program.port), stdin="x = 3\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 3


@pytest.mark.parametrize("kind", ["rpdb", "pdb"])
@pytest.mark.parametrize("version", ENDS)
def test_wait_over_a_loop(debuggee: Start, version: str, kind: str) -> None:
    """``--wait --count 3`` over a loop of three ``set_trace()``: every stop is met once."""
    program = start_on(debuggee, version, kind, "loop3")
    script = "value = value * 10\nc\n" * 3
    result = run_client(
        "--port", str(program.port), "--wait", "--count", "3", stdin=script, timeout=20
    )
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["seen"] == [0, 10, 20]
    assert result.stderr.count("connected to") == 3


def test_interact_on_rpdb_before_313_cannot_be_left_safely(debuggee: Start) -> None:
    """rpdb runs ``interact``'s console over the socket; before 3.13 the only ways back end pdb
    or the program (docs/protocol.md section 4), and the client says so."""
    program = start_on(debuggee, "3.7", "rpdb", "simple")
    script = "interact\nprint('inside', x + 1)\n"
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert ">>> print('inside', x + 1)\ninside 2\n" in result.stdout
    assert "cannot be left safely: the program gets BdbQuit" in result.stderr
    assert str(record["error"]).startswith("BdbQuit"), record


def test_interact_on_rpdb_313_is_left_with_exit(debuggee: Start) -> None:
    """From 3.13 ``exit()`` at ``>>> `` returns to pdb: the end of input leaves that way, after
    asking the version there (``interact``'s 3.13 banner is no tell: pdb buffers it)."""
    program = start_on(debuggee, "3.13", "rpdb", "simple")
    script = "interact\nprint('inside', x + 1)\n"
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert ">>> print('inside', x + 1)\ninside 2\n" in result.stdout
    assert "(3, 13)\n>>> exit()\n" in result.stdout
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert "cannot be left safely" not in result.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_multi_line_statement_at_the_313_prompt(debuggee: Start, kind: str) -> None:
    """3.13's pdb reads an unfinished statement on at ``...   ``: each line goes there, in turn."""
    program = start_on(debuggee, "3.13", kind, "simple")
    script = "n\nx = (1 +\n19)\nif x:\n    word = 'multi'\n\np x, word\n"
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 20 and record["values"]["word"] == "multi"
    assert "(Pdb) x = (1 +\n...   19)\n(Pdb) if x:\n...       word = 'multi'\n" in result.stdout
    assert "(20, 'multi')" in result.stdout


@pytest.mark.parametrize("version", ENDS)
def test_exit_call_at_the_pdb_prompt_is_not_called_a_clean_quit(
    debuggee: Start, version: str
) -> None:
    """``exit()`` at ``(Pdb)``: pdb's quit before 3.13; from 3.13 Python's exit(), which closes
    pdb's input (the program fails with ValueError). The client says which it may have been."""
    program = start_on(debuggee, version, "pdb", "simple")
    result = run_client("--port", str(program.port), "--no-confirm-quit", stdin="exit()\n")
    record = program.finish()
    died_of = "ValueError" if stops_on_the_call(version) else "BdbQuit"
    assert str(record["error"]).startswith(died_of), record
    assert "session ended by exit(): before Python 3.13 pdb reads it as its quit" in (result.stderr)
    assert "session ended by quit\n" not in result.stderr


@pytest.mark.parametrize("kind", ["remote_pdb", "pdb"])
@pytest.mark.parametrize("version", ENDS)
def test_continue_at_the_end_of_piped_input_ends_at_once(
    debuggee: Start, version: str, kind: str
) -> None:
    """``c`` last on standard input, no breakpoint left: the session is over once the ``c`` is
    read, though remote-pdb and a pdb on a socket keep the connection while the program runs."""
    program = start_on(debuggee, version, kind, "linger")
    started = time.monotonic()
    result = run_client("--port", str(program.port), stdin="x = 2\nc\n")
    took = time.monotonic() - started
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["x"] == 2
    assert took < 1.5, f"the client stayed {took:.1f} s, until the program's end"
