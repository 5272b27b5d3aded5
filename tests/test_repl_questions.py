"""The REPL's questions and its toolbar on the paths a user really takes (issue 11).

In-process (:mod:`repl_driver`) against a real rpdb program, asserting on the program's record:
a declined question stays armed (item 1), and a toolbar that raises is turned off instead of
taking the input line, and every key that leaves, down with it (item 10).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from in_process import RunCommand
from matrix_pythons import python_before_313
from repl_driver import (
    CTRL_D,
    ENTER,
    Start,
    at_prompt,
    clean_end,
    drive,
    sent_lines,
    settings_for,
    until,
)

from rpdb_client.engine import wording
from rpdb_client.errors import ExitStatus
from rpdb_client.terminal import toolbar
from rpdb_client.terminal.repl import Repl


async def declined(repl: Repl, keys: Any, line: str, answer: str = "n") -> str:
    """Type ``line``, expect the client's question, decline it; returns the question."""
    keys.send_text(line + ENTER)
    await until(lambda: repl.question is not None, f"the question before {line!r}")
    question = repl.question or ""
    keys.send_text(answer + ENTER)
    await until(lambda: repl.question is None, f"the answer about {line!r}")
    return question


def test_declining_quit_keeps_the_question_armed(debuggee: Start, tmp_path: Path) -> None:
    """q -> no, then exit: asked again (it was sent without asking, and the program died)."""
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: Any) -> None:
        assert "q anyway" in await declined(repl, keys, "q")
        assert "exit anyway" in await declined(repl, keys, "exit")
        assert "quit anyway" in await declined(repl, keys, "p 1;;quit")
        keys.send_text("x = 3" + ENTER)
        await until(lambda: repl.last_command == "x = 3" and at_prompt(repl), "x = 3")
        keys.send_text(CTRL_D)

    status, text = drive(settings_for(program, tmp_path), script)
    record = program.finish()
    clean_end(record)
    assert record["values"]["x"] == 3
    assert sent_lines(tmp_path) == ["x = 3", "c"]
    assert text.count("raises BdbQuit") == 3
    assert status is ExitStatus.OK


def test_a_yes_disarms_the_question_for_the_session(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: Any) -> None:
        await declined(repl, keys, "q")
        await declined(repl, keys, "exit", answer="y")

    drive(settings_for(program, tmp_path), script)
    assert "BdbQuit" in str(program.finish()["error"])
    assert sent_lines(tmp_path) == ["exit"]


def test_declining_interact_and_exit_keeps_asking(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple", executable=python_before_313())  # interact is unsafe

    async def script(repl: Repl, keys: Any) -> None:
        await declined(repl, keys, "interact")
        await declined(repl, keys, "interact", answer="y")
        await until(lambda: repl.editing_python and at_prompt(repl), "the >>> prompt")
        await declined(repl, keys, "exit()")
        await declined(repl, keys, "quit(0)")
        keys.send_text("x = 5" + ENTER)
        await until(lambda: "x = 5" in sent_lines(tmp_path) and at_prompt(repl), "x = 5")
        program.stop()  # leaving interact before 3.13 cannot be safe: the test ends it

    drive(settings_for(program, tmp_path), script)
    assert sent_lines(tmp_path) == ["interact", "x = 5"]


def test_a_failing_toolbar_is_reported_once_and_turned_off(
    debuggee: Start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A field of the toolbar that raises (as --timeout-hint inf once made the countdown do)."""
    program = debuggee("rpdb", "simple")

    def broken_field(view: object) -> str:
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(toolbar, "command_hint", broken_field)

    async def script(repl: Repl, keys: Any) -> None:
        await until(lambda: not repl.toolbar_shown, "the toolbar turned off")
        keys.send_text("x = 9" + ENTER)
        await until(lambda: repl.last_command == "x = 9" and at_prompt(repl), "x = 9")
        keys.send_text(CTRL_D)

    status, text = drive(settings_for(program, tmp_path), script)
    record = program.finish()
    clean_end(record)
    assert record["values"]["x"] == 9
    said = wording.toolbar_failed(OverflowError("cannot convert float infinity to integer"))
    assert text.count(said) == 1
    assert status is ExitStatus.OK


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e400"])
@pytest.mark.parametrize("how", ["option", "environment", "config"])
def test_a_time_limit_that_is_not_finite_is_a_usage_error(
    run_command: RunCommand, tmp_path: Path, value: str, how: str
) -> None:
    """--timeout-hint inf was accepted, and its countdown crashed the toolbar."""
    config = tmp_path / "config.toml"
    config.write_text(f"timeout_hint = {value.replace('1e400', 'inf')}\n")
    args = {"option": ["--timeout-hint", value], "config": ["--config", str(config)]}
    env = {"RPDB_CONNECT_TIMEOUT_HINT": value} if how == "environment" else {}
    result = run_command(*args.get(how, []), "--port", "1", env=env)
    assert result.returncode == ExitStatus.USAGE, result
    assert "timeout" in result.stderr.lower() and "Traceback" not in result.stderr
