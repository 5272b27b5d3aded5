"""Leaving the REPL while a command runs: one Ctrl-D waits for the prompt, a second closes now.

In-process (:mod:`repl_driver`) against a real rpdb program, asserting on its record (issue 11
item 6: leaving took six key presses through three messages; never more than two now).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from prompt_toolkit.input import PipeInput
from repl_driver import CTRL_D, ENTER, Start, clean_end, drive, sent_lines, settings_for, until

from rpdb_client.engine import wording
from rpdb_client.engine.session import State
from rpdb_client.errors import ExitStatus
from rpdb_client.terminal.client_commands import SECOND_PRESS
from rpdb_client.terminal.repl import Repl

SLEEP = "!__import__('time').sleep({})"


async def busy(repl: Repl, keys: PipeInput, seconds: float) -> None:
    keys.send_text(SLEEP.format(seconds) + ENTER)
    await until(lambda: repl.session is not None and repl.session.state is State.BUSY, "busy")


def test_one_ctrl_d_while_busy_detaches_at_the_next_prompt(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        await busy(repl, keys, 0.5)
        keys.send_text(CTRL_D)  # and nothing more: the client leaves on its own

    status, text = drive(settings_for(program, tmp_path), script)
    clean_end(program.finish())
    assert sent_lines(tmp_path) == [SLEEP.format(0.5), "c"]
    assert text.count(wording.DETACH_AT_NEXT_PROMPT) == 1
    assert "detached: the program continues" in text
    assert status == 0


def test_a_second_ctrl_d_within_two_seconds_closes_now(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")
    closed_after: list[float] = []

    async def script(repl: Repl, keys: PipeInput) -> None:
        await busy(repl, keys, 3)
        started = time.monotonic()
        keys.send_text(CTRL_D)
        keys.send_text(CTRL_D)
        await until(lambda: repl.session is None, "the session closed")
        closed_after.append(time.monotonic() - started)

    _, text = drive(settings_for(program, tmp_path), script)
    record = program.finish()
    assert closed_after[0] < 2.5  # closed now, not when the 3 s command ended
    assert "BdbQuit" in str(record["error"])  # what the first notice said a second press does
    assert text.count(wording.DETACH_AT_NEXT_PROMPT) == 1 and wording.CLOSING_NOW in text
    assert sent_lines(tmp_path) == [SLEEP.format(3)]


def test_detach_then_ctrl_d_count_as_two_presses(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        await busy(repl, keys, 3)
        keys.send_text(":detach" + ENTER)
        await until(lambda: repl._detach_asked_at > 0, "the first request")
        keys.send_text(CTRL_D)
        await until(lambda: repl.session is None, "the session closed")

    drive(settings_for(program, tmp_path), script)
    assert "BdbQuit" in str(program.finish()["error"])


def test_presses_further_apart_than_two_seconds_both_wait(debuggee: Start, tmp_path: Path) -> None:
    program = debuggee("rpdb", "simple")
    now = [0.0]

    async def script(repl: Repl, keys: PipeInput) -> None:
        await busy(repl, keys, 1)
        keys.send_text(CTRL_D)
        await until(lambda: repl._detach_asked_at == 0.0, "the first press")
        now[0] += SECOND_PRESS + 0.5
        keys.send_text(CTRL_D)
        await until(lambda: repl._detach_asked_at == now[0], "the second press")

    status, text = drive(settings_for(program, tmp_path), script, lambda: now[0])
    clean_end(program.finish())
    assert text.count(wording.DETACH_AT_NEXT_PROMPT) == 2 and wording.CLOSING_NOW not in text
    assert sent_lines(tmp_path)[-1] == "c"
    assert status == 0


def test_a_hangup_after_the_input_ended_is_not_a_second_request(
    debuggee: Start, tmp_path: Path
) -> None:
    """A closed terminal ends the input and sends SIGHUP, in either order: still one safe detach
    (a second interrupt would close at once, and the program would get BdbQuit)."""
    program = debuggee("rpdb", "simple")

    async def script(repl: Repl, keys: PipeInput) -> None:
        await busy(repl, keys, 0.5)
        repl.terminal_gone()  # what the REPL does when its terminal's input or output fails
        os.kill(os.getpid(), signal.SIGHUP)  # the runner's handler, in this event loop
        await until(lambda: repl.session is None, "the end of the session")

    status, _ = drive(settings_for(program, tmp_path), script)
    clean_end(program.finish())
    assert sent_lines(tmp_path) == [SLEEP.format(0.5), "c"]
    assert status == ExitStatus.INTERRUPTED
