"""pdb's replacements behind the servers: pdb++ (``pdbpp``) and IPython's debugger.

pdb++ replaces ``pdb.Pdb`` process-wide once installed, so it lives in an environment of its own
(tests/matrix_pythons.py, flavour ``pdbpp``) that only these tests use. What pip installs today
(pdbpp 0.12) works behind remote-pdb and rpdb 0.1.6 on Python 3.7; on 3.13 ``import pdb`` fails
in the program itself, and rpdb 0.2.0 cannot construct its debugger on it (docs/protocol.md
section 1): no client is involved there. rpdb uses IPython's debugger when IPython is importable
(flavour ``ipython``). Each test asserts on the program's record.
"""

from __future__ import annotations

from typing import Callable

import pytest
from debuggee import Debuggee, line_of, run_client
from matrix_pythons import python_with_servers

Start = Callable[..., Debuggee]


def assert_clean_end(record: dict[str, object]) -> None:
    assert record["error"] is None, record
    assert record["reached_end"] is True, record


@pytest.mark.parametrize("sticky", [False, True], ids=["plain", "sticky"])
@pytest.mark.parametrize("kind", ["remote_pdb", "rpdb"])
def test_pdbpp_display_step_breakpoint_commands(debuggee: Start, kind: str, sticky: bool) -> None:
    """pdb++ with its colours on (its default), sticky mode off and on: ``display``, ``n``, a
    breakpoint with ``commands`` (pdb++ prompts ``(com) ``... or ``(com++) ``), then the end of
    input clears it and leaves."""
    program = debuggee(kind, "steps", executable=python_with_servers("3.7", "pdbpp"))
    script = "sticky\n" if sticky else ""
    script += f"display total\nn\nn\nb {line_of('loop body')}\ncommands 1\np 'hit', i\nend\n"
    script += "p total\n"
    result = run_client("--port", str(program.port), stdin=script)
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert_clean_end(record)
    assert record["values"]["total"] == 3
    out = result.stdout
    assert "Breakpoint 1 at" in out
    assert "(com) end\n" in out or "(com++) end\n" in out
    assert "\x1b[" in out  # pdb++'s colours came through
    assert "Traceback" not in result.stderr


def test_pdbpp_nested_prompt_and_failing_debug_is_explained(debuggee: Start) -> None:
    """pdb++'s ``debug`` fails with a TypeError and leaves the program untraced: the next ``n``
    runs it on and the connection ends; the client says why, not only "connection lost"."""
    program = debuggee("remote_pdb", "steps", executable=python_with_servers("3.7", "pdbpp"))
    result = run_client("--port", str(program.port), stdin="debug helper(2)\nn\np 1\n")
    record = program.finish()
    assert_clean_end(record)  # the program ran on to its end
    assert "unexpected keyword argument 'Config'" in result.stdout
    assert "pdb++'s `debug` failed" in result.stderr


def test_ipythons_debug_crash_behind_rpdb_is_explained(debuggee: Start) -> None:
    """rpdb with IPython on 3.13: ``debug`` kills the program (rpdb passes ``completekey``; the
    traceback goes to the program's stderr, not the socket): the client says what happened."""
    program = debuggee("rpdb", "simple", executable=python_with_servers("3.13", "ipython"))
    result = run_client("--port", str(program.port), stdin="p x\ndebug helper(2)\np 1\n")
    record = program.finish()
    assert "completekey" in str(record["error"])  # what the program died of
    assert "ipdb> debug helper(2)" in result.stdout
    assert "`debug` crashed the program: rpdb passes `completekey`" in result.stderr
