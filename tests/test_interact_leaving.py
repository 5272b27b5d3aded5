"""Leaving ``interact`` (issue 11 item 4): Ctrl-D at ``>>>`` asks first and says what it does on
the program's Python, learnt by a side query before ``interact`` is sent.

Measured (docs/protocol.md section 4): before 3.13 there is no safe way out of ``interact`` over
a socket (a close ends pdb with ``BdbQuit``, ``exit()`` ends the program); on 3.13 ``exit()`` at
``>>>`` returns to ``(Pdb)``, where ``c`` lets the program go on. Real rpdb programs, on this
Python and on pyenv's 3.13, in-process (:mod:`repl_driver`); assertions on their records.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path
from typing import Any

from components import find_python, require_component
from prompt_toolkit.input import PipeInput
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
from rpdb_client.engine.program_python import build_version_query, parse_version_reply
from rpdb_client.terminal.repl import Repl
from rpdb_client.vocabulary.risks import risk_of, risk_on
from rpdb_client.wire.parser import PromptKind

THIS = (sys.version_info.major, sys.version_info.minor)


async def at_python_prompt(repl: Repl) -> None:
    await until(lambda: repl.editing_python and at_prompt(repl), "the >>> prompt")


async def answer(repl: Repl, keys: PipeInput, key: str, reply: str) -> str:
    """Press ``key``, expect a question, answer ``reply``; returns what the client warned."""
    keys.send_text(key)
    await until(lambda: repl.question is not None, f"a question after {key!r}")
    question = repl.question
    keys.send_text(reply + ENTER)
    await until(lambda: repl.question != question, "the answer taken")
    return question or ""


def test_ctrl_d_at_the_python_prompt_asks_before_ending_pdb(
    debuggee: Start, tmp_path: Path
) -> None:
    """Before 3.13: Ctrl-D at >>> left without asking and the program got BdbQuit."""
    if THIS >= (3, 13):
        return  # the 3.13 case is the next test's
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        await answer(repl, keys, "interact" + ENTER, "y")  # asked: this Python is before 3.13
        await at_python_prompt(repl)
        assert repl.program.version(repl.session) == THIS
        await answer(repl, keys, CTRL_D, "n")
        keys.send_text("x" + ENTER)  # still at >>>, the program alive
        await until(lambda: sent_lines(tmp_path)[-1:] == ["x"] and at_prompt(repl), "x at >>>")
        await answer(repl, keys, CTRL_D, "y")  # the question is asked again: it said BdbQuit

    _, text = drive(settings_for(program, tmp_path), script)
    assert "BdbQuit" in str(program.finish()["error"])
    assert text.count(wording.leaving_interact(THIS)) == 2
    assert f"the program runs Python {THIS[0]}.{THIS[1]}" in text
    assert sent_lines(tmp_path) == ["interact", "x"]  # the version query is never logged


def test_on_python_3_13_interact_and_exit_are_safe_and_ctrl_d_detaches(
    debuggee: Start, tmp_path: Path
) -> None:
    python = require_component("Python 3.13", find_python("3.13"), "pyenv install 3.13")
    env = {"PYTHONPATH": sysconfig.get_paths()["purelib"]}  # rpdb is pure Python
    program = debuggee("rpdb", "simple", env=env, executable=python)
    typed: list[str] = []

    async def script(repl: Repl, keys: Any) -> None:
        keys.send_text("interact" + ENTER + "x = 2" + ENTER)  # typed ahead of the question
        await at_python_prompt(repl)
        assert repl.question is None  # not asked: exit() leads back on this Python
        assert repl.program.version(repl.session) == (3, 13)
        await until(lambda: "x = 2" in sent_lines(tmp_path) and at_prompt(repl), "x = 2")
        keys.send_text("exit()" + ENTER)
        await until(lambda: at_prompt(repl) and not repl.editing_python, "back at (Pdb)")
        keys.send_text("interact" + ENTER)
        await at_python_prompt(repl)
        typed.append(await answer(repl, keys, CTRL_D, "y"))

    _, text = drive(settings_for(program, tmp_path), script)
    clean_end(program.finish())
    assert sent_lines(tmp_path) == ["interact", "x = 2", "exit()", "interact", "exit()", "c"]
    assert typed == [wording.LEAVE_QUESTION]
    assert wording.leaving_interact((3, 13)) in text
    assert "detached: the program continues" in text


def test_the_version_reply_is_read_strictly() -> None:
    marker = "rpdbconnect0123"
    query = build_version_query(marker)
    assert query == f"p ('{marker}', __import__('sys').version_info[:2])"
    assert parse_version_reply(f"tick 1\r\n('{marker}', (3, 13))\r\n", marker) == (3, 13)
    assert parse_version_reply("*** NameError: name '__import__' is not defined\n", marker) is None
    assert parse_version_reply(f"('{marker}', ('3', 13))\n", marker) is None
    assert parse_version_reply(f"('{marker}', (3, 13)\n", marker) is None


def test_interact_and_exit_are_risks_only_before_3_13() -> None:
    interact = risk_of("interact", PromptKind.PDB)
    exit_call = risk_of("exit()", PromptKind.PYTHON)
    assert interact is not None and exit_call is not None
    assert risk_on(interact, (3, 13)) is None and risk_on(exit_call, (3, 14)) is None
    assert risk_on(interact, (3, 12)) is interact and risk_on(exit_call, None) is exit_call
    quit_ = risk_of("q", PromptKind.PDB)
    assert risk_on(quit_, (3, 13)) is quit_  # q raises BdbQuit on every version


def test_detach_at_the_python_prompt_asks_too(debuggee: Start, tmp_path: Path) -> None:
    """:detach and :quit leave as Ctrl-D does: at >>> they ask first."""
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        keys.send_text("interact" + ENTER)
        if THIS < (3, 13):
            await until(lambda: repl.question is not None, "the interact question")
            keys.send_text("y" + ENTER)
        await at_python_prompt(repl)
        assert await answer(repl, keys, ":detach" + ENTER, "n") == wording.LEAVE_QUESTION
        assert await answer(repl, keys, ":quit" + ENTER, "y") == wording.LEAVE_QUESTION

    _, text = drive(settings_for(program, tmp_path), script)
    record = program.finish()
    assert text.count(wording.leaving_interact(THIS)) == 2
    if THIS < (3, 13):
        assert "BdbQuit" in str(record["error"])
    else:
        clean_end(record)
