"""What a typed line, a paste or a Python block becomes before it reaches the debugger.

Owns :class:`Sending`, a base of :class:`rpdb_client.terminal.repl.Repl`: the confirmations a
risky line needs (:mod:`rpdb_client.vocabulary.risks` says which; only a yes disarms one for the
session), a paste split into pdb statements (a compound statement goes as one), and a Python
block in the form the program's Python keeps (3.13's multi-line input, else one ``!exec``). The
program's Python is asked once, by a side query, before the first ``interact`` or block.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable, Optional

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.engine.python_prompts import MULTI_LINE_INPUT
from rpdb_client.engine.session import Session
from rpdb_client.terminal.program_python import ProgramPython
from rpdb_client.terminal.questions import Questions
from rpdb_client.vocabulary.commands import INTERACT_RISK
from rpdb_client.vocabulary.risks import (
    block_statement,
    code_lines,
    continued_block,
    interact_lines,
    pdb_statements,
    risk_of,
    risk_on,
)


class Sending(Questions):
    """Typed text to lines; the subclass takes a line as typed (``_submit``, ``_take``)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(settings, clock)
        self.program = ProgramPython()
        self._block_task: Optional[asyncio.Future[None]] = None  # a block waiting for a reply

    def _submit(self, line: str) -> None:
        """One line as if typed and Enter pressed."""
        raise NotImplementedError

    def _take(self, text: str) -> None:
        """What was typed while the program's Python was asked, taken now."""
        raise NotImplementedError

    def _submit_paste(self, lines: list[str]) -> None:
        """Several lines at once: each is a line of its own (a blank one would repeat), but at
        a pdb prompt a compound statement goes as one statement (its body would run alone)."""
        lines = code_lines("\n".join(lines))
        kind = self.prompt_kind()
        if kind is None or kind.is_debugger:
            lines = pdb_statements(lines)
        for index, line in enumerate(lines):
            self._submit(line)
            rest = len(lines) - index - 1
            if self.program.held is not None:
                self.program.held += lines[index + 1 :]
                return
            if self.question is not None and rest:
                self.screen.notice(wording.answer_first(rest))
                return

    def _send_command(self, line: str) -> None:
        """A line for the debugger's prompt, after the once-per-session confirmations."""
        kind, session = self.prompt_kind(), self.session
        risk = risk_of(line, kind, confirm_quit=self.settings.confirm_quit)
        interact = risk is not None and risk.key == INTERACT_RISK.key
        if interact and session is not None and not self.program.asked(session):
            self.program.ask(session, lambda: self._send_command(line), self._take)
            return
        risk = risk_on(risk, self.program.version(session))
        if risk is not None and risk.key not in self.asked:
            key = risk.key

            def confirmed() -> None:
                # Only a yes disarms the question: a no means "not that", not "stop asking".
                self.asked.add(key)
                self._send_command(line)

            self._ask(risk.warning, risk.question, confirmed)
            return
        if self.send(line) and (kind is None or kind.is_debugger):
            self.last_command = line

    def _send_block(self, text: str) -> None:
        """Python: lines for ``interact``'s ``>>>``, or one ``!`` statement at a pdb prompt."""
        lines = code_lines(text)
        kind = self.prompt_kind()
        if kind is not None and kind.is_python:
            for line in interact_lines(lines):
                self._send_command(line)
                if self.question is not None:
                    return
        elif len(lines) > 1 and self.session is not None and self.session.server_python is None:
            self._block_task = asyncio.ensure_future(
                self._send_block_after_asking(self.session, lines)
            )
        elif lines:
            self._send_pdb_block(lines)

    async def _send_block_after_asking(self, session: Session, lines: list[str]) -> None:
        """The form of a block depends on the server's Python: one side query first."""
        await session.learn_python()
        if session is self.session:
            self._send_pdb_block(lines)

    def _send_pdb_block(self, lines: list[str]) -> None:
        """At pdb's prompt: 3.13's multi-line input, else one ``!exec(...)`` statement."""
        python = self.session.server_python if self.session is not None else None
        if len(lines) > 1 and python is not None and python >= MULTI_LINE_INPUT:
            for line in continued_block(lines):
                if not self.send(line):
                    return
        else:
            statement = block_statement(lines)
            # Echoed as written, not as the one `!` line that carries it (the log has that).
            self.shown_as[statement] = "\n".join(lines)
            self._send_command(statement)
