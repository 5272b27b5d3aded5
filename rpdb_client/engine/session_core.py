"""The session machine's state, and the steps its rules are made of (no rule lives here).

Owns what every rule of :mod:`rpdb_client.engine.session_machine` and
:mod:`rpdb_client.engine.session_leaving` reads and writes (the state, the prompt, the queue,
the timers) and the small steps they are made of: change the state (checked against
``MAY_FOLLOW``), start or cancel a timer, show text, take note of a line sent, end the session.
No I/O, no clock. Imports the standard library, ``wire``'s parser, the engine's session actions
and endings, and the output watch.
"""

from __future__ import annotations

from collections import deque
from typing import Optional

from rpdb_client.engine.failed_lines import FailedBlock
from rpdb_client.engine.output_watch import OutputWatch
from rpdb_client.engine.python_prompts import PythonPrompts
from rpdb_client.engine.session_actions import (
    MAY_FOLLOW,
    TAKEN_FIRST_CHECK,
    Action,
    CancelTimer,
    Close,
    Ended,
    Ending,
    Notice,
    SessionEnd,
    Show,
    StartTimer,
    State,
    StateChanged,
    Timer,
)
from rpdb_client.engine.session_endings import (
    NO_EFFECT,
    end_without_eof,
    line_effect,
)
from rpdb_client.engine.wording import ASCII_ADVICE
from rpdb_client.wire.parser import Parser, Prompt


class SessionCore:
    """One session's state, and the steps every rule of the session is made of."""

    def __init__(
        self,
        extra_prompts: tuple[str, ...] = (),
        *,
        first_byte_timeout: float = 5.0,
        ascii_only: bool = False,
    ) -> None:
        self.parser = Parser(extra_prompts)
        self.first_byte_timeout = first_byte_timeout
        self.ascii_only = ascii_only
        """The driver escapes non-ASCII input (``--ascii``): no advice to use it."""
        self.state = State.STARTING
        self.prompt: Optional[Prompt] = None
        self.stopped_at: Optional[float] = None
        """When the current stop began (the first prompt after the program moved)."""
        self.stop_number = 0
        """Grows with every line sent but side queries: what was learnt at a prompt is stale."""
        self.watch = OutputWatch()
        self.python = PythonPrompts()  # its version, and the way out of a Python prompt
        self._failed_block = FailedBlock()
        self.queue: deque[str] = deque()
        self._leaving = False
        """Detach at the next prompt with nothing queued (``finish`` or ``detach``)."""
        self._leave_at: Optional[Prompt] = None
        self._asked_end: Optional[Ending] = None
        """How EOF ends the session after the last line sent (None: as a loss)."""
        self._received_any = False
        self._timers: set[Timer] = set()
        self._query: Optional[list[str]] = None
        """The text of the side query's reply so far, while one is in flight."""
        self._doubt: Optional[Prompt] = None
        """A prompt that more text followed before it was answered (rpdb, celery: perhaps
        another thread's print after a real prompt, perhaps a look-alike)."""
        self._continues = 0
        """How many ``c`` this detach sent."""
        self._reprompted = False
        self._resend_at: Optional[Prompt] = None
        """The prompt to send the ``c`` again at, unless the end of stream comes first."""
        """A prompt came after the detach's ``c``: was the ``c`` read (lost) or still waiting?"""
        self._drains = 0
        self._taken_pause = TAKEN_FIRST_CHECK
        self._alone: Optional[Prompt] = None
        """The last prompt, when its read held no output (an empty reply, or a look-alike)."""
        self._check_at: Optional[Prompt] = None

    @property
    def ended(self) -> bool:
        return self.state is State.ENDED

    @property
    def expects_reply(self) -> bool:
        """A line was sent and no prompt came back yet (the connection may read on at once)."""
        return self.state is State.BUSY or self.state is State.DETACHING or self._query is not None

    @property
    def keeps_connection(self) -> bool:
        """remote-pdb (CRLF) keeps the connection after ``c``; rpdb, celery and others close.

        Only pdb writes to remote-pdb's connection (other threads' prints stay on the server's
        stdout, docs/protocol.md section 1).
        """
        return self.parser.saw_crlf

    def _reach_prompt(self, prompt: Prompt, now: Optional[float]) -> None:
        self.prompt = prompt
        if self.state is not State.AT_PROMPT and self.state is not State.DETACHING:
            self.stopped_at = self.stopped_at or now

    def _note_sent(self, line: str, prompt: Prompt) -> Optional[Ending]:
        """Take note of what sending ``line`` at ``prompt`` does; returns the end it asks for."""
        self.stop_number += 1
        self._failed_block.sent()
        # Only a line read at the debugger's own prompt is a pdb command: `c` inside a
        # `commands` list or at `>>> ` does not resume the program.
        effect = line_effect(line) if prompt.kind.is_debugger else NO_EFFECT
        self._asked_end = effect.asks
        if effect.interact:
            self.parser.expect_interact = True
        elif effect.question:
            self.parser.expect_question = True
        if effect.asks is Ending.CONTINUED:
            self.stopped_at = None  # the program moves
        return effect.asks

    # -- states, timers and endings ----------------------------------------------------------

    def _set_state(self, state: State, actions: list[Action]) -> None:
        if state is not self.state:
            assert state in MAY_FOLLOW[self.state], f"{self.state} -> {state}"
            self.state = state
            actions.append(StateChanged(state))

    def _start(self, timer: Timer, seconds: float, actions: list[Action]) -> list[Action]:
        if self.ended:
            return actions  # a timer asked for by the read that ended the session
        self._timers.add(timer)
        actions.append(StartTimer(timer, seconds))
        return actions

    def _cancel(self, timer: Timer, actions: list[Action]) -> list[Action]:
        if self._timers and timer in self._timers:  # mostly none: an Enum hashes in Python
            self._timers.discard(timer)
            actions.append(CancelTimer(timer))
        return actions

    def _show(self, text: str, actions: list[Action]) -> list[Action]:
        self.python.feed(text)
        if self.watch.feed(text) and not self.ascii_only:
            actions.append(Notice(ASCII_ADVICE))
        actions.append(Show(text))
        return actions

    def _end_without_eof(self, actions: Optional[list[Action]] = None) -> list[Action]:
        """Close while the connection is still open."""
        end = end_without_eof(self.state, self.prompt)
        return self._end(end, [] if actions is None else actions)

    def _end(self, end: SessionEnd, actions: list[Action]) -> list[Action]:
        if self.ended:
            return actions
        for timer in Timer:  # in a fixed order: a set's order changes with the hash seed
            self._cancel(timer, actions)
        actions.append(Close())
        self._set_state(State.ENDED, actions)
        actions.append(Ended(end))
        return actions
