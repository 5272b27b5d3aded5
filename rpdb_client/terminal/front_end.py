"""The REPL's side of the engine: the runner's and the session's callbacks, and the state shown.

Owns :class:`ReplFrontEnd`, the base of :class:`rpdb_client.terminal.repl.Repl`: it turns what the
runner and the session report (waiting, a session starting and ending, output, prompts, sent lines,
state changes) into text on the :class:`~rpdb_client.terminal.screen.Screen` and into the state the
prompt and toolbar read (:class:`rpdb_client.terminal.toolbar.StatusView`). It also sends lines
(:meth:`ReplFrontEnd.send`), the only way the REPL talks to the debugger. The input line, keys
and client commands are the subclass's.

Imports the engine and the screen; no prompt_toolkit application (that is the subclass's), and
nothing here sends a line that the user (or ``-c``) did not ask for.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Iterable
from typing import Optional

from rpdb_client.config import Settings
from rpdb_client.engine import wording
from rpdb_client.engine.runner import Runner
from rpdb_client.engine.session import Session, SessionEnd, State
from rpdb_client.terminal.pager import HOLD_SECONDS, ReplyPager, pages_reply_to
from rpdb_client.terminal.screen import Screen
from rpdb_client.wire.connection import UnsendableLine
from rpdb_client.wire.parser import Prompt, PromptKind

__all__ = ["SEEN_TEXT_MAX", "ReplFrontEnd"]

SEEN_TEXT_MAX = 64 * 1024
"""Completion offers the names seen in the last this-many characters of output."""

_IDENTIFIER = re.compile(r"[^\W\d]\w+")


class ReplFrontEnd:
    """The runner's front end for the REPL; see the module docstring.

    The subclass sets :attr:`screen` and :attr:`runner` before the run, and implements
    :meth:`redraw`.
    """

    screen: Screen

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runner: Optional[Runner] = None
        self.session: Optional[Session] = None
        self.session_number = 0
        self.waiting = False
        self.state_since = time.monotonic()
        self.last_end: Optional[SessionEnd] = None
        self.python_mode = False
        self.question: Optional[str] = None
        self.bell = settings.bell
        self.ascii = settings.ascii
        """Escape non-ASCII input for a debugger that reads ASCII (``--ascii``, ``:ascii``)."""
        self.asked: set[str] = set()
        """What was already confirmed in this session (``quit``, ``interact``...)."""
        self.last_command = ""
        """The user's last pdb command in this session: what Enter on an empty line repeats."""
        self._resumed = False
        self.pager: Optional[ReplyPager] = None
        """Set by the subclass: pages a reply taller than the screen (``:pager``)."""
        self._hold_timer: Optional[asyncio.TimerHandle] = None
        self.shown_as: dict[str, str] = {}
        """A line to send -> what the user wrote (an F2 block), echoed instead of the line."""
        self._seen: deque[str] = deque()
        self._seen_size = 0

    def redraw(self) -> None:
        """Ask for the prompt and toolbar to be drawn again (the subclass's application)."""
        raise NotImplementedError

    # -- what the prompt and toolbar read ----------------------------------------------------

    @property
    def target(self) -> str:
        if self.runner is not None:
            return self.runner.target
        return wording.address(self.settings.host, self.settings.port)

    @property
    def counting_sessions(self) -> bool:
        return self.settings.wait

    def prompt_kind(self) -> Optional[PromptKind]:
        """The kind of prompt the next line will answer (None: no prompt seen yet).

        While a command runs, that is the kind of the last prompt: a line typed ahead goes to
        the next prompt, nearly always of the same kind (``>>>`` inside ``interact``).
        """
        session = self.session
        if session is None or session.prompt is None:
            return None
        if session.state in (State.AT_PROMPT, State.BUSY, State.RUNNING):
            return session.prompt.kind
        return None

    def seen_names(self) -> Iterable[str]:
        """Identifiers in this session's recent output (for completion)."""
        return set(_IDENTIFIER.findall("".join(self._seen)))

    # -- sending -----------------------------------------------------------------------------

    def send(self, line: str) -> bool:
        """Queue ``line`` for the debugger's next prompt; say why when it cannot be."""
        session = self.session
        if session is None or session.state in (State.ENDED, State.DETACHING):
            why = wording.NO_SESSION if session is None else wording.SESSION_ENDING
            self.screen.notice(wording.not_sent(why))
            return False
        try:
            session.send(line)
        except UnsendableLine as error:
            self.screen.notice(wording.refused_line(error, line), warning=True)
            return False
        return True

    # -- the runner's callbacks --------------------------------------------------------------

    def on_waiting(self, target: str, sessions_done: int) -> None:
        self.waiting = True
        self._state_changed()
        self.screen.notice(
            wording.waiting(target, sessions_done, wording.STOP_WAITING_KEYS["repl"])
        )

    def on_session_start(self, session: Session, number: int) -> None:
        self.session, self.session_number, self.waiting = session, number, False
        self.question, self.asked, self.last_command = None, set(), ""
        self._resumed = False
        self._seen.clear()
        self._seen_size = 0
        self.screen.renderer.set_hint(None)
        # `:ascii` holds for the sessions that follow too; the runner turns it on for a process
        # known to decode ASCII.
        session.ascii_only = session.ascii_only or self.ascii
        self.screen.notice(wording.connected(session, number, self.settings.wait))
        if self.bell:
            self.screen.bell()  # someone in another window learns that a breakpoint was hit
        peer = wording.peer(session)
        self.screen.log(lambda log: log.header(self.target, peer, number))
        for command in self.settings.commands:
            self.send(command)
        self._state_changed()

    def on_session_end(self, session: Session, end: SessionEnd) -> None:
        self.screen.end_output()
        self._stop_holding()
        self.screen.release()
        leftover = session.unsent()
        if leftover:
            self.screen.notice(wording.lines_not_sent(len(leftover)))
        self.session, self.last_end, self.question = None, end, None
        self.screen.notice(wording.describe_end(end, session))
        self._state_changed()

    def on_notice(self, text: str) -> None:
        self.screen.notice(text)

    # -- the session's callbacks -------------------------------------------------------------

    def on_output(self, text: str) -> None:
        self._remember(text)
        self.screen.output(text)

    def on_prompt(self, prompt: Prompt) -> None:
        self.screen.end_output()
        self._stop_holding()
        held = self.screen.take_held()
        if held and self.pager is not None:
            self.pager.reply(held)
        if self._resumed and self.bell:
            self.screen.bell()  # the program stopped again on the same connection (remote-pdb)
        self._resumed = False
        self.redraw()

    def on_sent(self, line: str, prompt: Prompt) -> None:
        kind = prompt.kind
        written = self.shown_as.pop(line, None)
        if written is not None:
            self.screen.sent(prompt.text, line, debugger=kind.is_debugger, python=True, as_=written)
        else:
            self.screen.sent(prompt.text, line, debugger=kind.is_debugger, python=kind.is_python)
        pager = self.pager
        if pager is not None and pager.enabled and kind.is_debugger and pages_reply_to(line):
            # Held until the prompt, to be paged if taller than the screen; a reply still
            # coming after HOLD_SECONDS is shown as it comes.
            self._stop_holding()
            self.screen.hold()
            loop = asyncio.get_running_loop()
            self._hold_timer = loop.call_later(HOLD_SECONDS, self.screen.release)

    def on_state(self, state: State) -> None:
        if state is State.RUNNING:
            self._resumed = True
        self._state_changed()

    # -- helpers -----------------------------------------------------------------------------

    def _stop_holding(self) -> None:
        if self._hold_timer is not None:
            self._hold_timer.cancel()
            self._hold_timer = None

    def _state_changed(self) -> None:
        self.state_since = time.monotonic()
        self.redraw()

    def _remember(self, text: str) -> None:
        self._seen.append(text[-SEEN_TEXT_MAX:])
        self._seen_size += len(self._seen[-1])
        while self._seen_size > SEEN_TEXT_MAX and len(self._seen) > 1:
            self._seen_size -= len(self._seen.popleft())
