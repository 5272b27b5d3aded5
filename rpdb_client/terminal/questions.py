"""The REPL's yes/no questions: asked on the input line, answered by the next line typed.

Owns :class:`Questions`, a base of :class:`rpdb_client.terminal.repl.Repl`: a warning, then the
question as the input line's prompt (``self.question``, which the prompt, the toolbar and the
keys read); ``y`` or ``yes`` runs what was asked for, anything else (or Ctrl-C) declines, and
the decline is said. Root's question about another user's listener
(:meth:`Questions.confirm_owner`) is one of them, awaited before anything is sent.
"""

from __future__ import annotations

import asyncio
import time
from typing import Callable

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.terminal.client_commands import ClientCommands


class Questions(ClientCommands):
    """One question at a time; the subclass draws it (``redraw``, ``app``)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(settings, clock)
        self._on_yes: Callable[[], None] = lambda: None
        self._on_no: Callable[[], None] = lambda: None

    def _ask(
        self,
        warning: str,
        question: str,
        on_yes: Callable[[], None],
        on_no: Callable[[], None] = lambda: None,
    ) -> None:
        self.screen.notice(warning, warning=True)
        self.question, self._on_yes, self._on_no = question, on_yes, on_no

    def _answer(self, text: str) -> None:
        question, on_yes, on_no = self.question or "", self._on_yes, self._on_no
        self.question = None
        self.screen.write([("class:prompt.question", question), ("", text + "\n")])
        if text.strip().lower() in ("y", "yes"):
            on_yes()
        else:
            self.screen.notice(wording.DECLINED)
            on_no()

    def cancel_question(self) -> None:
        self.question = None
        self.screen.notice(wording.DECLINED)
        self._on_no()
        self.redraw()

    async def confirm_owner(self, owner: str) -> bool:
        """Root and another user's listener: asked once per owner, before anything is sent."""
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def settle(value: bool) -> None:
            if not answer.done():
                answer.set_result(value)

        self._ask(
            f"{owner}. {wording.OWNER_HINT}",
            wording.OWNER_QUESTION,
            lambda: settle(True),
            lambda: settle(False),
        )
        self.redraw()
        return await answer
