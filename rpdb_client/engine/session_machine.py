"""The session's decisions, without I/O: events in, actions out (docs/protocol.md sections 3, 4).

Owns everything that decides what a session does, like h11's ``_state.py``: which line goes out at
which prompt, how a session ends, the safe way out, side queries, the timers it needs. The asyncio
driver (:mod:`rpdb_client.engine.session`) feeds it events (bytes, a typed line, a timer, end of
input, detach, the connection's end) and carries out the actions they return, in order; no
asyncio, socket or clock here. The rules (``MAY_FOLLOW`` in session_actions is the state graph):

==============  ==================================  ==============================================
state           event                               actions, then the state
==============  ==================================  ==============================================
any             a prompt, a line queued             send it (one per prompt: rpdb drops early
                                                    input): BUSY, or RUNNING after ``continue``
any             a prompt, nothing queued            ask the user: AT_PROMPT
any             a prompt, nothing queued, leaving   probe the peer, then ``end``, ``n``, ``cl N``,
                                                    ``c`` and the drain timer: DETACHING
AT_PROMPT       a line, finish, detach; a query     as at a prompt; a query's reply is not shown
BUSY, STARTING  finish, detach                      wait for the next prompt
RUNNING         detach, close_running, finish       close: ENDED (continued), or with breakpoints
                                                    left a finish waits for a prompt
any             EOF                                 ENDED, as the state and last line say
any             pdb failed the last line (syntax)   drop the queued lines that go on its block
DETACHING       the drain timer                     close: ENDED (detached)
STARTING        the first-byte timer, telnet        close: ENDED (not a pdb)
==============  ==================================  ==============================================
"""

from __future__ import annotations

from collections import deque
from typing import Optional

from rpdb_client.engine.failed_lines import FailedBlock
from rpdb_client.engine.output_watch import OutputWatch
from rpdb_client.engine.python_prompts import STATEMENT_END, PythonPrompts, drop_blanks
from rpdb_client.engine.session_actions import (
    DRAIN_SECONDS,
    MAY_FOLLOW,
    QUIET_FLUSH_SECONDS,
    Action,
    AskUser,
    CancelTimer,
    Close,
    Echo,
    Ended,
    Ending,
    Notice,
    ProbePeer,
    Replied,
    Send,
    SessionEnd,
    Show,
    StartTimer,
    State,
    StateChanged,
    Timer,
)
from rpdb_client.engine.session_endings import (
    ASCII_ADVICE,
    DECODE_KILLED_DEBUGGER,
    NO_EFFECT,
    end_at_eof,
    end_without_eof,
    line_effect,
    silent_peer,
    speaks_telnet,
)
from rpdb_client.wire.foreign import identify_foreign_peer
from rpdb_client.wire.parser import Event, Output, Parser, Prompt, PromptKind


class SessionMachine:
    """One session's state and decisions; each method takes an event and returns actions."""

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
        self.queue: deque[str] = deque()
        self._leaving = False  # detach at the next prompt with nothing queued (finish, detach)
        self._leave_at: Optional[Prompt] = None
        self._asked_end: Optional[Ending] = None  # how EOF ends it after the last line (None: lost)
        self._received_any = False
        self._timers: set[Timer] = set()
        self._query: Optional[list[str]] = None  # a side query's reply so far, while in flight
        self._failed_block = FailedBlock()

    # -- what the driver may ask -------------------------------------------------------------

    @property
    def ended(self) -> bool:
        return self.state is State.ENDED

    @property
    def expects_reply(self) -> bool:
        """A line was sent and no prompt came back yet (the connection may read on at once)."""
        return self.state is State.BUSY or self.state is State.DETACHING or self._query is not None

    @property
    def may_query(self) -> bool:
        """Idle at a debugger's prompt (pdb, pdb++, IPython): at ``(com) `` a query is recorded."""
        prompt = self._idle_prompt()
        return prompt is not None and prompt.kind.is_debugger and not self.queue

    def _idle_prompt(self) -> Optional[Prompt]:
        """The prompt the server waits at, unless a side query is in flight."""
        return self.prompt if self.state is State.AT_PROMPT and self._query is None else None

    # -- events from the front end (and the driver's start) ---------------------------------------

    def start(self, silent_for: float) -> list[Action]:
        """The driver runs the session; the peer has been silent for ``silent_for`` seconds."""
        if self.ended:
            return []
        return self._start(Timer.FIRST_BYTE, max(0.0, self.first_byte_timeout - silent_for), [])

    def typed(self, line: str) -> list[Action]:
        """A line to send: it waits for the next prompt (goes at once if the server waits)."""
        if self.ended or self.state is State.DETACHING:
            return []
        if refused := self._failed_block.refuse(line, self.queue):  # the rest of a failed block
            return refused
        self.queue.append(line)
        prompt = self._idle_prompt()
        return self._answer(prompt, []) if prompt and drop_blanks(self.queue, prompt) else []

    def query(self, line: str) -> list[Action]:
        """Send a side query (only when ``may_query``); its reply comes as ``Replied``."""
        assert self.may_query
        self._query = []
        return [Send(line)]

    def query_failed(self) -> None:
        """The query could not be sent: the session is idle again."""
        self._query = None

    def shown(self, text: str) -> list[Action]:
        """Text that came with a side query's reply but is not its answer, handed back."""
        return self._show(text, [])

    def finish(self) -> list[Action]:
        """No more lines will come: detach safely once the queue is empty."""
        self._leaving = True
        prompt = self._idle_prompt()
        if prompt is not None and not self.queue:
            return self._answer(prompt, [])
        if self.state is State.RUNNING and not self.watch.breakpoints:
            return self._end_without_eof()
        return []

    def detach(self) -> list[Action]:
        """Leave now, safely: drop queued lines, ``c`` at the next prompt, drain, close."""
        self.queue.clear()
        self._leaving = True
        prompt = self._idle_prompt()
        if prompt is not None:
            return self._answer(prompt, [])
        if self.state is State.RUNNING:
            # After `c` nothing is sent until a prompt (docs/protocol.md section 4): close.
            return self._end_without_eof()
        return []

    def close_running(self) -> list[Action]:
        """End a session that runs after ``c`` (remote-pdb), keeping its queued lines."""
        return self._end_without_eof() if self.state is State.RUNNING else []

    def abandon(self) -> list[Action]:
        """Close at once without waiting for a prompt (the user pressed Ctrl-C twice)."""
        return self._end_without_eof()

    def take_unsent(self) -> list[str]:
        """Take back the lines still queued (the session ended before their prompt came)."""
        lines, self.queue = list(self.queue), deque()
        return lines

    # -- events from the connection and the clock --------------------------------------------

    def received(self, data: bytes, now: float) -> list[Action]:
        """Bytes arrived at time ``now``."""
        if self.state is State.ENDED:
            return []
        actions: list[Action] = []
        if not self._received_any:
            self._received_any = True
            self._cancel(Timer.FIRST_BYTE, actions)
            foreign = identify_foreign_peer(data)
            if foreign is not None:
                return self._end(speaks_telnet(foreign), actions)
        self._handle(self.parser.feed(data), actions, now)
        if self.watch.decode_killed_debugger and self.state is State.BUSY:
            # pdb died decoding our line: no prompt or end will come (docs/protocol.md section 3)
            return self._end(SessionEnd(Ending.LOST, DECODE_KILLED_DEBUGGER), actions)
        if self.parser.has_held_text:
            return self._start(Timer.QUIET, QUIET_FLUSH_SECONDS, actions)
        return self._cancel(Timer.QUIET, actions)

    def peer_open(self) -> list[Action]:
        """The probe found the peer still there: leave at the prompt (after ``ProbePeer``)."""
        prompt, self._leave_at = self._leave_at, None
        if prompt is None or self.state is State.ENDED:
            return []
        actions: list[Action] = []
        self._set_state(State.DETACHING, actions)
        line = self._detach_line(prompt, actions)
        if line is None:
            return self._end_without_eof(actions)
        self._note_sent(line, prompt)
        actions += (Send(line), Echo(line, prompt))
        return actions

    def timer_fired(self, timer: Timer, now: float) -> list[Action]:
        """A timer this machine started ran out at ``now``."""
        self._timers.discard(timer)
        if self.ended:
            return []
        if timer is Timer.QUIET:
            return self._handle(self.parser.flush_partial(), [], now)
        if timer is Timer.DRAIN:
            return self._end(SessionEnd(Ending.DETACHED), [])
        return self._end(silent_peer(self.first_byte_timeout), [])

    def connection_ended(self, error: Optional[str]) -> list[Action]:
        """The connection ended: EOF (``None``), or it broke (``error`` says how)."""
        if self.ended:
            return []
        if error is not None:
            return self._end(SessionEnd(Ending.LOST, error), [])
        actions = self._handle(self.parser.end(), [], None)
        return self._end(end_at_eof(self.state, self._asked_end, self._received_any), actions)

    # -- prompts -----------------------------------------------------------------------------

    def _handle(
        self, events: list[Event], actions: list[Action], now: Optional[float]
    ) -> list[Action]:
        """Act on one read's events; ``now`` is when they arrived (None: they hold no prompt)."""
        prompt = self.prompt if self._query is None else None  # where the last line went
        dropped = self._failed_block.drop_after(events, prompt, self.queue)
        ahead = self._answer_ahead(events, actions, now)
        for event in events:
            if self._query is not None:
                self._query_event(event, actions)
            elif isinstance(event, Output):
                self._show(event.text, actions)
            elif ahead is not None and event is ahead.prompt:
                self.watch.at_prompt()
                actions.append(ahead)
            elif isinstance(event, Prompt):
                self._on_prompt(event, actions, now)
        actions += dropped  # said after the failure is shown
        return actions

    def _answer_ahead(
        self, events: list[Event], actions: list[Action], now: Optional[float]
    ) -> Optional[Echo]:
        """Send the queued answer to a read's last prompt before showing the output before it.

        The debugger runs the next command while this client shows the last reply (``bench/``:
        per command). Returns the echo to give when the prompt's turn comes.
        """
        if not self.queue or self._query is not None or len(events) < 2:
            return None
        prompt = events[-1]
        if not isinstance(prompt, Prompt) or any(isinstance(e, Prompt) for e in events[:-1]):
            return None
        if not drop_blanks(self.queue, prompt):
            return None
        self._reach_prompt(prompt, now)
        line = self._send_queued(prompt, actions)
        return Echo(line, prompt)

    def _query_event(self, event: Event, actions: list[Action]) -> None:
        assert self._query is not None
        if isinstance(event, Output):
            self._query.append(event.text)
        elif isinstance(event, Prompt):
            text, self._query = "".join(self._query), None
            self.prompt = event
            actions.append(Replied(text))
            drop_blanks(self.queue, event)
            if self.queue or self._leaving:
                self._answer(event, actions)  # the user typed while the query ran

    def _on_prompt(self, prompt: Prompt, actions: list[Action], now: Optional[float]) -> None:
        self.watch.at_prompt()
        drop_blanks(self.queue, prompt)
        self._reach_prompt(prompt, now)
        if self.queue or self._leaving:
            self._answer(prompt, actions)
            return
        self._set_state(State.AT_PROMPT, actions)
        actions.append(AskUser(prompt))

    def _reach_prompt(self, prompt: Prompt, now: Optional[float]) -> None:
        self.prompt = prompt
        if self.state is not State.AT_PROMPT and self.state is not State.DETACHING:
            self.stopped_at = self.stopped_at or now

    def _answer(self, prompt: Prompt, actions: list[Action]) -> list[Action]:
        """The one line this prompt gets: the next queued one, or (after a probe) the detach's."""
        if self.queue:
            line = self._send_queued(prompt, actions)
            actions.append(Echo(line, prompt))
        else:
            self._leave_at = prompt
            actions.append(ProbePeer())
        return actions

    def _detach_line(self, prompt: Prompt, actions: list[Action]) -> Optional[str]:
        if prompt.kind is PromptKind.COMMANDS or prompt.kind is PromptKind.QUESTION:
            return "end" if prompt.kind is PromptKind.COMMANDS else "n"
        if prompt.kind.is_python:
            return self.python.detach_line(prompt)  # None: no safe way out, close
        if self.watch.breakpoints:
            return "cl " + " ".join(str(number) for number in sorted(self.watch.breakpoints))
        if Timer.DRAIN not in self._timers:  # a second from the first `c`, however often sent
            self._start(Timer.DRAIN, DRAIN_SECONDS, actions)
        return "c"

    # -- sending -----------------------------------------------------------------------------

    def _send_queued(self, prompt: Prompt, actions: list[Action]) -> str:
        line = self.queue.popleft().replace(STATEMENT_END, "")
        resumes = self._note_sent(line, prompt) is Ending.CONTINUED
        self._set_state(State.RUNNING if resumes else State.BUSY, actions)
        actions.append(Send(line))
        return line

    def _note_sent(self, line: str, prompt: Prompt) -> Optional[Ending]:
        """Take note of what sending ``line`` at ``prompt`` does; returns the end it asks for."""
        self.stop_number += 1
        self._failed_block.sent()
        # Only a line read at pdb's own prompt is a command: not `c` in `commands` or at `>>> `.
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
        for timer in list(self._timers):
            self._cancel(timer, actions)
        actions.append(Close())
        self._set_state(State.ENDED, actions)
        actions.append(Ended(end))
        return actions
