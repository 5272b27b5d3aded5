"""The in-process REPL harness: keys through a pipe input, what was written kept, bounded runs.

Shared by the REPL test modules: :func:`drive` runs :class:`rpdb_client.terminal.repl.Repl` while
a script types (``create_pipe_input()``, a ``DummyOutput`` that keeps what was written);
:func:`sent_lines` reads what the transcript says was sent; :func:`until` waits for a condition
with a deadline (never a fixed sleep).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from debuggee import Debuggee
from in_process import memory_environment
from prompt_toolkit.application.current import create_app_session
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from rpdb_client.config import Settings
from rpdb_client.engine.session import State
from rpdb_client.errors import ExitStatus
from rpdb_client.terminal.repl import Repl

Start = Callable[..., Debuggee]
Script = Callable[[Repl, PipeInput], Awaitable[None]]

CTRL_C, CTRL_D, CTRL_R, CTRL_U = "\x03", "\x04", "\x12", "\x15"
ENTER, ESCAPE, F2, RIGHT = "\r", "\x1b", "\x1bOQ", "\x1b[C"
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


class RecordingOutput(DummyOutput):
    """A terminal that keeps what it was sent (the REPL's own printing included)."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, data: str) -> None:
        self.written.append(data)

    def write_raw(self, data: str) -> None:
        self.written.append(data)

    @property
    def text(self) -> str:
        return "".join(self.written)


async def until(condition: Callable[[], Any], what: str, timeout: float = 10.0) -> None:
    """Let the event loop run until ``condition()`` holds; fail at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


def at_prompt(repl: Repl) -> bool:
    return repl.session is not None and repl.session.state is State.AT_PROMPT


def drive(
    settings: Settings, script: Script, clock: Callable[[], float] = time.monotonic
) -> tuple[ExitStatus, str]:
    """Run the REPL with ``settings`` while ``script`` types; bounded in time."""
    output = RecordingOutput()
    with create_pipe_input() as keys, create_app_session(input=keys, output=output):

        async def main() -> ExitStatus:
            repl = Repl(settings, memory_environment(environ={}, monotonic=clock)[0])
            run = asyncio.ensure_future(repl.run())
            try:
                await until(lambda: at_prompt(repl) or run.done(), "the first prompt")
                await script(repl, keys)
            except BaseException:
                if repl.runner is not None:
                    repl.runner.interrupt()
                await asyncio.wait_for(asyncio.shield(run), 10)
                raise
            return await asyncio.wait_for(run, 15)

        status = asyncio.run(main())
    return status, output.text


def settings_for(program: Debuggee, tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = dict(
        port=program.port, history=False, color="never", log_file=str(tmp_path / "t.log")
    )
    values.update(changes)
    return Settings(**values)


def sent_lines(tmp_path: Path) -> list[str]:
    """The lines the transcript says were sent to the debugger, in order."""
    lines = (tmp_path / "t.log").read_text().splitlines()
    return [line.split(" > ", 1)[1] for line in lines if " > " in line[:16]]


def clean_end(record: dict[str, Any]) -> None:
    assert record["error"] is None, record
    assert record["reached_end"] is True, record
