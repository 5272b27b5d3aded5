"""The session's decisions, without I/O: events in, actions out (docs/protocol.md sections 3, 4).

Owns everything that decides what a session does, like h11's ``_state.py``: which line goes out at
which prompt, how a session ends, the safe way out, side queries, and the timers it needs. The
asyncio driver (:mod:`rpdb_client.engine.session`) feeds it events through its methods (bytes
received, a line typed, a timer fired, end of input, detach, the connection's end) and carries
out the actions they return (:mod:`rpdb_client.engine.session_actions`), in order. It imports no
asyncio, no socket and no clock: time comes in with the events that need it, and what only the
kernel knows (bytes waiting, bytes the server has not read) comes back as the driver's answer to
an action. The rules of the way out are :mod:`~rpdb_client.engine.session_leaving`'s, the state
they share :mod:`~rpdb_client.engine.session_core`'s. Imports: the standard library, ``wire``'s
parser, and the engine's session core, leaving rules, actions, endings and wording.

The rules, in one place (``MAY_FOLLOW`` in session_actions is the state graph):

==============  ==================================  ==============================================
state           event                               actions, then the state
==============  ==================================  ==============================================
any             a clean prompt, a line queued       send it (one line per prompt: rpdb drops
                                                    input that comes early): BUSY, or RUNNING
                                                    after a ``continue``
any             a clean prompt, a ``c`` queued,     ``cl N..`` first, and a notice; the ``c`` at
                breakpoints seen, not remote-pdb    the next prompt (docs/protocol.md section 4)
BUSY, RUNNING   a prompt alone, a line queued,      ``CheckUnread``: a line of ours the server has
                not remote-pdb                      not read means a look-alike: send nothing
any             a prompt with more after it         remote-pdb: output. Others: a line queued
                (same read, or bytes waiting)       waits DOUBT for a clean prompt, else goes
any             a prompt, nothing queued            ask the user: AT_PROMPT
any             a prompt, nothing queued, leaving   probe the peer, then the prompt's way out:
                                                    ``end``, ``n``, ``cl N..`` and at last ``c``
                                                    with the drain timer: DETACHING
AT_PROMPT       a line typed, finish, detach        as at a prompt (the server waits at one)
AT_PROMPT       a side query (``(Pdb)`` only)       send it; its reply is kept, not shown
BUSY, STARTING  finish, detach                      wait for the next prompt
RUNNING         detach, close_running, finish       close: ENDED (continued); a finish with
                                                    breakpoints left waits for a prompt
any             EOF                                 the ending by the state and the last command
                                                    (``session_endings``): ENDED
any             pdb failed the last line (syntax)   drop the queued lines that go on its block
DETACHING       the detach's ``c`` sent, remote-pdb ``CheckTaken``: read by the server: close,
                                                    ENDED (detached); unread: ask again (TAKEN)
DETACHING       a prompt after the ``c``            ``CheckTaken``: unread, it reads the ``c``;
                                                    read: lost, again (3 at most; rpdb, celery:
                                                    unless their end of stream comes in 0.1 s)
DETACHING       the drain timer                     remote-pdb (unknown peer): close, detached;
                                                    the ``c`` unread: wait on (4 times); else
                                                    close, saying it was not confirmed
STARTING        the first-byte timer, telnet        close: ENDED (not a pdb)
==============  ==================================  ==============================================

A prompt is *clean* when nothing came after it: it ends its read and the driver found no more
bytes waiting (pdb writes its prompt, then blocks reading; docs/protocol.md section 2).
"""

from __future__ import annotations

from typing import Optional

from rpdb_client.engine import wording
from rpdb_client.engine.python_prompts import STATEMENT_END, drop_blanks
from rpdb_client.engine.session_actions import (
    DOUBT_SECONDS,
    DRAIN_SECONDS,
    QUIET_FLUSH_SECONDS,
    Action,
    AskUser,
    CheckTaken,
    CheckUnread,
    Echo,
    Ending,
    Notice,
    ProbePeer,
    Replied,
    Send,
    SessionEnd,
    State,
    Timer,
)
from rpdb_client.engine.session_endings import (
    end_at_eof,
    line_effect,
    silent_peer,
    speaks_telnet,
)
from rpdb_client.engine.session_leaving import SessionLeaving
from rpdb_client.engine.wording import DECODE_KILLED_DEBUGGER
from rpdb_client.wire.foreign import identify_foreign_peer
from rpdb_client.wire.parser import Event, Output, Prompt


class SessionMachine(SessionLeaving):
    """One session's state and decisions; each method takes an event and returns actions."""

    # -- what the driver may ask -------------------------------------------------------------

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
            # After the user's own `c` nothing can be sent until a prompt; with breakpoints left
            # the program may stop again with nobody reading (docs/protocol.md section 4).
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
        lines = list(self.queue)
        self.queue.clear()
        return [line for line in lines if line != STATEMENT_END]

    # -- events from the connection and the clock --------------------------------------------

    def received(self, data: bytes, now: float, more_waiting: bool = False) -> list[Action]:
        """Bytes arrived at time ``now``; ``more_waiting``: more bytes already wait behind them.

        A prompt is answered only when nothing came after it (the prompt rule, docs/protocol.md
        section 2): the driver says whether more bytes already wait, so that a prompt look-alike
        followed by its own line is not taken for pdb's.
        """
        if self.state is State.ENDED:
            return []
        actions: list[Action] = []
        if not self._received_any:
            self._received_any = True
            self._cancel(Timer.FIRST_BYTE, actions)
            foreign = identify_foreign_peer(data)
            if foreign is not None:
                return self._end(speaks_telnet(foreign), actions)
        self._handle(self.parser.feed(data), actions, now, more_waiting)
        if self.watch.decode_killed_debugger and self.state is State.BUSY:
            # pdb died decoding our line: no prompt or end will come (docs/protocol.md section 3)
            return self._end(SessionEnd(Ending.LOST, DECODE_KILLED_DEBUGGER), actions)
        if self.parser.has_held_text:
            return self._start(Timer.QUIET, QUIET_FLUSH_SECONDS, actions)
        return self._cancel(Timer.QUIET, actions)

    def timer_fired(self, timer: Timer, now: float) -> list[Action]:
        """A timer this machine started ran out at ``now``."""
        self._timers.discard(timer)
        if self.ended:
            return []
        if timer is Timer.QUIET:
            return self._handle(self.parser.flush_partial(), [], now)
        if timer is Timer.DOUBT:
            prompt, self._doubt = self._doubt, None
            actions: list[Action] = []
            if prompt is not None:  # no clean prompt came: the text after it was a thread's
                self._on_prompt(prompt, actions, now)
            return actions
        if timer is Timer.TAKEN or timer is Timer.DRAIN:
            return [CheckTaken()]
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
        self,
        events: list[Event],
        actions: list[Action],
        now: Optional[float],
        more_waiting: bool = False,
    ) -> list[Action]:
        """Act on one read's events; ``now`` is when they arrived (None: they hold no prompt).

        Only the read's last event, with nothing waiting behind it, is a clean prompt: pdb
        writes its prompt and then blocks reading, so nothing of pdb's follows a real one.
        """
        last = events[-1] if events else None
        clean = last if isinstance(last, Prompt) and not more_waiting else None
        prompt = self.prompt if self._query is None else None  # where the last line went
        dropped = self._failed_block.drop_after(events, prompt, self.queue)
        if clean is not None:
            self._alone = clean if not any(isinstance(e, Output) for e in events) else None
        ahead = self._answer_ahead(events, clean, actions, now)
        for event in events:
            if self._query is not None:
                self._query_event(event, actions)
            elif isinstance(event, Output):
                self._show(event.text, actions)
            elif ahead is not None and event is ahead.prompt:
                self.watch.at_prompt()
                actions.append(ahead)
            elif event is clean:
                self._on_prompt(event, actions, now)
            elif isinstance(event, Prompt):
                self._on_unsure_prompt(event, actions, now)
        actions += dropped  # said after the failure is shown
        return actions

    def _on_unsure_prompt(
        self, prompt: Prompt, actions: list[Action], now: Optional[float]
    ) -> None:
        """A prompt that more text followed before it was answered."""
        if self.keeps_connection:
            self._show(prompt.text, actions)  # remote-pdb: only pdb writes there, so not pdb's
        elif not self.queue and not self._leaving and self.state is not State.DETACHING:
            self._on_prompt(prompt, actions, now)  # the user sees what follows, and decides
        else:
            # A real prompt that another thread printed after, or a look-alike: a clean prompt
            # within DOUBT_SECONDS settles it; none means it was the real one.
            self._doubt = prompt
            self._show(prompt.text, actions)
            self._start(Timer.DOUBT, DOUBT_SECONDS, actions)

    def _answer_ahead(
        self,
        events: list[Event],
        clean: Optional[Prompt],
        actions: list[Action],
        now: Optional[float],
    ) -> Optional[Echo]:
        """Send the queued answer to a read's last prompt before showing the output before it.

        The debugger then runs the next command while this client shows the last reply, so the
        client's own work leaves the round trip of queued lines (``bench/``: per command).
        Returns the echo to give when the prompt's turn comes.
        """
        if clean is None or not self.queue or self._query is not None or len(events) < 2:
            return None
        prompt = clean
        if any(isinstance(e, Prompt) for e in events[:-1]) or self.state is State.DETACHING:
            return None
        if not drop_blanks(self.queue, prompt):
            return None
        if (
            line_effect(self.queue[0]).asks is Ending.CONTINUED
            and self._may_set_breakpoints(events)  # a scan of the reply: only before a `c`
        ):
            return None  # a breakpoint this reply sets is to be cleared before this `c`
        self._settle_doubt(actions)
        self._reach_prompt(prompt, now)
        line = self._send_queued(prompt, actions)
        return Echo(line, prompt)

    def _may_set_breakpoints(self, events: list[Event]) -> bool:
        if self.keeps_connection:
            return False
        return any(isinstance(e, Output) and "reakpoint " in e.text for e in events)

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
        self._settle_doubt(actions)
        self.watch.at_prompt()
        drop_blanks(self.queue, prompt)
        self._reach_prompt(prompt, now)
        if self._after_continue(prompt, actions):
            return
        if self.queue or self._leaving:
            self._answer(prompt, actions)
            return
        self._set_state(State.AT_PROMPT, actions)
        actions.append(AskUser(prompt))

    def _settle_doubt(self, actions: list[Action]) -> None:
        """A clean prompt came: the doubtful one before it was a look-alike."""
        self._doubt = None
        self._cancel(Timer.DOUBT, actions)

    def _answer(self, prompt: Prompt, actions: list[Action], checked: bool = False) -> list[Action]:
        """The one line this prompt gets: the next queued one, or (after a probe) the detach's.

        A prompt that came alone while a line of ours awaited its answer is checked first: a
        thread's ``(Pdb) `` looks exactly like it (``CheckUnread``).
        """
        if not checked and prompt is self._alone and self._awaits_answer():
            self._check_at = prompt
            actions.append(CheckUnread())
            return actions
        if self.queue:
            line = self._send_queued(prompt, actions)
            actions.append(Echo(line, prompt))
        else:
            self._leave_at = prompt
            actions.append(ProbePeer())
        return actions

    def _awaits_answer(self) -> bool:
        """A line went out and this prompt may be its answer, on a server that drops a line
        read together with another (remote-pdb keeps both, and only pdb writes there)."""
        busy = self.state is State.BUSY or self.state is State.RUNNING
        return busy and not self.keeps_connection

    def unread_at_prompt(self, unread: Optional[int]) -> list[Action]:
        """After ``CheckUnread``: the bytes the server has not read (None: cannot be known)."""
        prompt, self._check_at = self._check_at, None
        if prompt is None or self.ended or prompt is not self.prompt:
            return []
        if unread:  # a line of ours waits unread: this prompt was not pdb's answer to it
            return []
        return self._answer(prompt, [], checked=True)

    # -- sending -----------------------------------------------------------------------------

    def _send_queued(self, prompt: Prompt, actions: list[Action]) -> str:
        line = self.queue[0]
        if self._clears_first(line, prompt):
            # The `c` stays queued for the next prompt (one line per prompt).
            numbers = sorted(self.watch.breakpoints)
            actions.append(Notice(wording.cleared_before_continue(numbers)))
            line = self._clear_line()
        else:
            line = self.queue.popleft().replace(STATEMENT_END, "")
        resumes = self._note_sent(line, prompt) is Ending.CONTINUED
        self._set_state(State.RUNNING if resumes else State.BUSY, actions)
        actions.append(Send(line))
        if resumes and self._leaving and not self.queue and not self.watch.breakpoints:
            # The input's last line lets the program go: the session is over once the server has
            # read it, though remote-pdb and a pdb on a socket stay connected (``taken``).
            self._start(Timer.DRAIN, DRAIN_SECONDS, actions)
            actions.append(CheckTaken())
        return line
