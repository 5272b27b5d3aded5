"""One debugging session: one line per prompt, knowing how it ended, leaving safely.

Owns the session state machine (docs/protocol.md sections 3 and 4). Lines to send wait in a queue
and go out one per prompt, because rpdb drops input that arrives before it asks for it. End of the
session: EOF after ``c`` or ``q`` is a normal end, ``c`` without EOF (remote-pdb) is *running*, EOF
at any other moment is *lost*. ``detach()`` and ``finish()`` leave without harming the program: at
the next prompt clear the breakpoints this session saw being set, send ``c``, read until EOF (a
second at most), then close without an RST.

The front ends (the line mode of :mod:`rpdb_client.line_mode` and the REPL) see the session through
the :class:`SessionListener` callbacks; this module never prints. Standard library only.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

from rpdb_client.engine.identity import Identity
from rpdb_client.engine.output_watch import OutputWatch
from rpdb_client.errors import ConnectionLost, ExitStatus
from rpdb_client.vocabulary.commands import command_word
from rpdb_client.wire.asciify import to_ascii
from rpdb_client.wire.connection import Connection, check_line
from rpdb_client.wire.parser import (
    Event,
    Output,
    Parser,
    Prompt,
    PromptKind,
    identify_foreign_peer,
)

CONTINUE_WORDS = frozenset({"c", "cont", "continue"})
QUIT_WORDS = frozenset({"q", "quit", "exit"})
DRAIN_SECONDS = 1.0
"""How long a detach waits for EOF after its ``c`` before closing anyway."""
QUIET_FLUSH_SECONDS = 0.3
"""Silence after which a held partial line (possible custom prompt) is shown."""


class State(enum.Enum):
    """Where the session is; shown in the toolbar."""

    STARTING = "starting"
    AT_PROMPT = "at prompt"
    BUSY = "busy"
    RUNNING = "running"
    DETACHING = "detaching"
    ENDED = "ended"


class Ending(enum.Enum):
    """How a session ended."""

    CONTINUED = "continued"
    QUIT = "quit"
    DETACHED = "detached"
    LOST = "lost"
    NOT_PDB = "not a pdb"

    @property
    def status(self) -> ExitStatus:
        return ExitStatus.LOST if self in (Ending.LOST, Ending.NOT_PDB) else ExitStatus.OK


@dataclass(frozen=True)
class SessionEnd:
    """The outcome of a session."""

    ending: Ending
    detail: str = ""


class SessionListener(Protocol):
    """What a front end learns from the session, in order."""

    def on_output(self, text: str) -> None: ...

    def on_prompt(self, prompt: Prompt) -> None:
        """The server waits and nothing is queued: the front end may ask the user."""

    def on_sent(self, line: str, prompt: Prompt) -> None:
        """A line was sent at ``prompt`` (a queued one, or one of the detach)."""

    def on_state(self, state: State) -> None: ...

    def on_notice(self, text: str) -> None:
        """Advice from the session about the server (shown as the client's own words)."""


class Session:
    """Drives one connection from its first byte to its end."""

    def __init__(
        self,
        connection: Connection,
        listener: SessionListener,
        *,
        extra_prompts: tuple[str, ...] = (),
        first_byte_timeout: float = 5.0,
        encoding: str = "utf-8",
        ascii_only: bool = False,
    ) -> None:
        self.connection = connection
        self.parser = Parser(extra_prompts)
        self._listener = listener
        self._first_byte_timeout = first_byte_timeout
        self._encoding = encoding
        self.ascii_only = ascii_only
        """Escape non-ASCII input for a server that decodes ASCII (``--ascii``)."""
        self._queue: deque[str] = deque()
        self._finish_when_idle = False
        self._loop = asyncio.get_running_loop()
        self._ended: asyncio.Future[SessionEnd] = self._loop.create_future()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._state_waiters: list[asyncio.Event] = []
        self._last_word = ""
        self._received_any = False
        self._watch = OutputWatch()
        self.state = State.STARTING
        self.prompt: Optional[Prompt] = None
        self.connected_at = connection.connected_at
        self.identity: Optional[Identity] = None
        """The process behind the connection, when the runner could tell (a local peer)."""
        self.stop_number = 0
        """Grows with every line the user sends: what was learnt at a prompt is stale after."""
        self._query: Optional[_SideQuery] = None
        self.stopped_at: Optional[float] = None
        """When the current stop began (the first prompt after the program moved)."""

    # -- what the front end asks -------------------------------------------------------------

    @property
    def breakpoints(self) -> set[int]:
        """Breakpoints this session saw being set and not deleted."""
        return self._watch.breakpoints

    @property
    def location(self) -> Optional[str]:
        """The last ``file(line)func()`` pdb showed."""
        return self._watch.location

    @property
    def is_remote_pdb(self) -> bool:
        """remote-pdb ends lines with CRLF and keeps the connection after ``c``."""
        return self.parser.saw_crlf

    @property
    def pending(self) -> int:
        """Lines waiting for a prompt."""
        return len(self._queue)

    def send(self, line: str) -> None:
        """Queue a line; it goes out at the next prompt (at once if the server waits now)."""
        check_line(line)
        if self.ascii_only:
            line = to_ascii(line)
        if self.state in (State.ENDED, State.DETACHING):
            return
        self._queue.append(line)
        prompt = self._idle_prompt()
        if prompt is not None:
            self._answer(prompt)

    def show(self, text: str) -> None:
        """Pass on text that came with a side query's reply but is not its answer.

        Another thread's print can arrive while a query runs; its owner hands it back here.
        """
        self._track(text)
        self._listener.on_output(text)

    def _idle_prompt(self) -> Optional[Prompt]:
        """The prompt the server waits at, unless a side query is in flight."""
        return self.prompt if self.state is State.AT_PROMPT and self._query is None else None

    def query(self, line: str) -> Optional[asyncio.Future[str]]:
        """Send a side query at an idle debugger prompt; its reply never reaches the listener.

        Returns a future for the text the debugger printed before its next prompt, or None when
        the session is not idle at pdb's own prompt (a query at ``(com) `` would be recorded
        into the command list, at ``>>> `` it would run as Python). Lines the user sends in the
        meantime wait for the query's prompt. A caller that stops waiting (a deadline) leaves
        the session consistent: the reply is still read and dropped.
        """
        if (
            self.state is not State.AT_PROMPT
            or self.prompt is None
            or self.prompt.kind is not PromptKind.PDB
            or self._query is not None
            or self._queue
        ):
            return None
        check_line(line)
        self._query = _SideQuery(self._loop.create_future())
        try:
            self.connection.send_line(line, self._encoding)
        except ConnectionLost:
            self._query = None
            return None
        return self._query.reply

    def unsent(self) -> list[str]:
        """Take back the lines still queued (the session ended before their prompt came)."""
        lines = list(self._queue)
        self._queue.clear()
        return lines

    def finish(self) -> None:
        """No more lines will come: detach safely once the queue is empty."""
        self._finish_when_idle = True
        prompt = self._idle_prompt()
        if prompt is not None and not self._queue:
            self._answer(prompt)
        elif self.state is State.RUNNING and not self.breakpoints:
            self._end_without_eof()

    def detach(self) -> None:
        """Leave now, safely: drop queued lines, ``c`` at the next prompt, drain, close."""
        self._queue.clear()
        self._finish_when_idle = True
        prompt = self._idle_prompt()
        if prompt is not None:
            self._answer(prompt)
        elif self.state is State.RUNNING:
            # After the user's own `c` nothing can be sent until a prompt; with breakpoints left
            # the program may stop again with nobody reading (docs/protocol.md section 4).
            self._end_without_eof()

    def close_running(self) -> None:
        """End a session that runs after ``c`` (remote-pdb), keeping its queued lines."""
        if self.state is State.RUNNING:
            self._end_without_eof()

    def abandon(self) -> None:
        """Close at once without waiting for a prompt (the user pressed Ctrl-C twice)."""
        self._end_without_eof()

    # -- the run ---------------------------------------------------------------------------

    async def run(self) -> SessionEnd:
        """Wait until the session ends; the connection is closed by then."""
        silent_for = time.monotonic() - self.connected_at
        delay = max(0.0, self._first_byte_timeout - silent_for)
        self._start_timer("first byte", delay, self._on_silent_peer)
        self.connection.attach(self)
        return await asyncio.shield(self._ended)

    def on_data(self, data: bytes) -> None:
        """Bytes arrived (called by the connection, from the event loop's read callback)."""
        if self._ended.done():
            return
        if not self._received_any:
            self._received_any = True
            self._cancel_timer("first byte")
            foreign = identify_foreign_peer(data)
            if foreign is not None:
                self._finish(self._end(Ending.NOT_PDB, _foreign_detail(foreign)))
                return
        self._handle(self.parser.feed(data))
        if self.parser.has_held_text:
            self._start_timer("quiet", QUIET_FLUSH_SECONDS, self._on_quiet)
        else:
            self._cancel_timer("quiet")

    def expects_reply(self) -> bool:
        """A line was sent and no prompt came back yet (the connection may read on at once)."""
        return self.state is State.BUSY or self.state is State.DETACHING or self._query is not None

    def on_end(self, error: Optional[ConnectionLost]) -> None:
        """The connection ended: EOF (``None``) or broke (``error``)."""
        if self._ended.done():
            return
        if error is not None:
            self._finish(self._end(Ending.LOST, error.message))
            return
        self._handle(self.parser.end())
        self._finish(self._end_at_eof())

    def _on_silent_peer(self) -> None:
        self._finish(self._end(Ending.NOT_PDB, _SILENT_PEER.format(self._first_byte_timeout)))

    def _on_quiet(self) -> None:
        self._handle(self.parser.flush_partial())

    def _start_timer(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        self._cancel_timer(name)
        self._timers[name] = self._loop.call_later(delay, callback)

    def _cancel_timer(self, name: str) -> None:
        timer = self._timers.pop(name, None)
        if timer is not None:
            timer.cancel()

    def _finish(self, end: SessionEnd) -> None:
        if self._ended.done():
            return
        for name in list(self._timers):
            self._cancel_timer(name)
        self.connection.close()
        self._set_state(State.ENDED)
        self._ended.set_result(end)

    # -- events ------------------------------------------------------------------------------

    def _handle(self, events: list[Event]) -> None:
        ahead = self._answer_ahead(events)
        for event in events:
            if self._query is not None:
                self._handle_query_event(event)
            elif isinstance(event, Output):
                self._track(event.text)
                self._listener.on_output(event.text)
            elif ahead is not None and event is ahead[0]:
                self._watch.at_prompt()
                if ahead[1] is not None:
                    self._listener.on_sent(ahead[1], event)
            elif isinstance(event, Prompt):
                self._on_prompt(event)

    def _answer_ahead(self, events: list[Event]) -> Optional[tuple[Prompt, Optional[str]]]:
        """Send the queued answer to a read's last prompt before showing the output before it.

        The debugger then runs the next command while this client shows the last reply, so the
        client's own work leaves the round trip of queued lines (``bench/``: per command).
        Returns the prompt answered and the line sent (None if the connection refused it).
        """
        if not self._queue or self._query is not None or len(events) < 2:
            return None
        prompt = events[-1]
        if not isinstance(prompt, Prompt) or any(isinstance(e, Prompt) for e in events[:-1]):
            return None
        self._reach_prompt(prompt)
        self._set_state(State.BUSY)
        line = self._queue.popleft()
        return prompt, line if self._send(line, prompt, announce=False) else None

    def _handle_query_event(self, event: Event) -> None:
        query = self._query
        assert query is not None
        if isinstance(event, Output):
            query.text.append(event.text)
        elif isinstance(event, Prompt):
            self._query = None
            self.prompt = event
            if not query.reply.done():
                query.reply.set_result("".join(query.text))
            if self._queue or self._finish_when_idle:
                self._answer(event)  # the user typed while the query ran

    def _track(self, text: str) -> None:
        if self._watch.feed(text) and not self.ascii_only:
            self._listener.on_notice(_ASCII_ADVICE)

    def _on_prompt(self, prompt: Prompt) -> None:
        self._watch.at_prompt()
        self._reach_prompt(prompt)
        if self._queue or self._finish_when_idle:
            self._answer(prompt)
            return
        self._set_state(State.AT_PROMPT)
        self._listener.on_prompt(prompt)

    def _reach_prompt(self, prompt: Prompt) -> None:
        self.prompt = prompt
        if self.state is not State.AT_PROMPT and self.state is not State.DETACHING:
            self.stopped_at = self.stopped_at or time.monotonic()

    def _answer(self, prompt: Prompt) -> None:
        """Send the one line this prompt gets: the next queued one, or the detach's."""
        if self._queue:
            self._set_state(State.BUSY)
            self._send(self._queue.popleft(), prompt)
            return
        if self.connection.peer_has_closed():
            return  # the program is gone: the read loop reports the loss, not a detach
        self._set_state(State.DETACHING)
        line = self._detach_line(prompt)
        if line is None:
            self._end_without_eof()
        else:
            self._send(line, prompt)

    def _detach_line(self, prompt: Prompt) -> Optional[str]:
        if prompt.kind is PromptKind.COMMANDS:
            return "end"
        if prompt.kind is PromptKind.QUESTION:
            return "n"
        if prompt.kind.is_python:
            return None  # no safe way out of interact (docs/protocol.md section 4): close
        if self.breakpoints:
            return "cl " + " ".join(str(number) for number in sorted(self.breakpoints))
        if "drain" not in self._timers:  # a second from the first `c`, however often it is sent
            self._start_timer(
                "drain", DRAIN_SECONDS, lambda: self._finish(self._end(Ending.DETACHED))
            )
        return "c"

    def _send(self, line: str, prompt: Prompt, announce: bool = True) -> bool:
        """Send ``line`` at ``prompt``; False when the connection is already broken."""
        self.stop_number += 1
        # Only a line read at the debugger's own prompt is a pdb command: `c` inside a
        # `commands` list or at `>>> ` does not resume the program.
        self._last_word = command_word(line.strip()) if prompt.kind.is_debugger else ""
        if self._last_word == "interact":
            self.parser.expect_interact = True
        elif self._last_word in ("cl", "clear") and not line.split()[1:]:
            self.parser.expect_question = True
        if self._last_word in CONTINUE_WORDS:
            self.stopped_at = None
            if self.state is State.BUSY:
                self._set_state(State.RUNNING)
        try:
            self.connection.send_line(line, self._encoding)
        except ConnectionLost:
            return False  # the read loop meets the same broken connection and reports it
        if announce:
            self._listener.on_sent(line, prompt)
        return True

    def _set_state(self, state: State) -> None:
        if state is not self.state:
            self.state = state
            for waiter in self._state_waiters:
                waiter.set()
            self._state_waiters.clear()
            self._listener.on_state(state)

    async def wait_for_state(self, *states: State) -> State:
        """Return as soon as the session is in one of ``states``."""
        while self.state not in states:
            waiter = asyncio.Event()
            self._state_waiters.append(waiter)
            await waiter.wait()
        return self.state

    # -- endings -----------------------------------------------------------------------------

    def _end_at_eof(self) -> SessionEnd:
        if not self._received_any:
            return self._end(
                Ending.LOST, "the debugger closed the connection before saying anything"
            )
        if self.state is State.DETACHING:
            return self._end(Ending.DETACHED)
        if self.state in (State.BUSY, State.RUNNING):
            if self._last_word in CONTINUE_WORDS:
                return self._end(Ending.CONTINUED)
            if self._last_word in QUIT_WORDS:
                return self._end(Ending.QUIT)
        where = "at a prompt" if self.state is State.AT_PROMPT else "while a command ran"
        return self._end(Ending.LOST, f"the debugger closed the connection {where}")

    def _end_without_eof(self) -> None:
        """Close while the connection is still open, saying what that meant."""
        if self.state is State.RUNNING:
            end = self._end(Ending.CONTINUED)
        elif self.prompt is not None and self.prompt.kind.is_python:
            end = self._end(Ending.DETACHED, _LEFT_INTERACT)
        elif self.state in (State.BUSY, State.STARTING):
            end = self._end(Ending.DETACHED, _LEFT_BUSY)
        else:
            end = self._end(Ending.DETACHED)
        self._finish(end)

    def _end(self, ending: Ending, detail: str = "") -> SessionEnd:
        return SessionEnd(ending, detail)


@dataclass
class _SideQuery:
    """A side query in flight: where its reply goes, and the text received so far."""

    reply: asyncio.Future[str]
    text: list[str] = field(default_factory=list)


_ASCII_ADVICE = (
    "the debugger's side encodes and decodes ASCII (a server started with LANG=C?): a "
    "non-ASCII character typed there kills the request. Use --ascii (in the REPL, :ascii), "
    "which escapes such characters inside string literals"
)
_LEFT_INTERACT = (
    "left from inside interact, where pdb cannot be left safely: the program gets BdbQuit"
)
_LEFT_BUSY = (
    "closed without waiting for the next prompt: the program gets BdbQuit when pdb reads again"
)
_SILENT_PEER = (
    "connected, but nothing was received within {:g} s. Likely causes: another client is "
    "already attached to this debugger (rpdb and celery accept a second connection and say "
    "nothing); a madbg server (it waits for its own client); or not a debugger at all"
)


def _foreign_detail(name: str) -> str:
    if name == "pudb":
        return (
            "this is a pudb server: it speaks telnet and draws a full-screen UI, so it needs a "
            "terminal client such as `telnet HOST PORT`. Nothing was sent to it"
        )
    return f"the peer speaks telnet ({name}), not pdb's line protocol. Nothing was sent to it"
