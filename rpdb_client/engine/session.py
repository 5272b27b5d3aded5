"""One debugging session over a connection: the asyncio driver of the session machine.

Owns the I/O of a session and nothing it decides: it hands the connection's bytes and end, the
lines the front end sends, and the timers' firing to
:class:`~rpdb_client.engine.session_machine.SessionMachine` (which decides: docs/protocol.md
sections 3 and 4), then does what the machine's actions say: write a line, call the front end,
start or cancel a timer, probe the peer, close, settle the session's end. It keeps the clock, the
futures (the end, a side query's reply) and ``wait_for_state``.

The front ends (the line mode of :mod:`rpdb_client.line_mode` and the REPL) see the session through
the :class:`SessionListener` callbacks; this module never prints. Imports the standard library,
the engine's session modules and identity, and ``wire`` (the connection, ASCII escaping).
"""

from __future__ import annotations

import asyncio
import time
from typing import Optional

from rpdb_client.engine import session_actions as act
from rpdb_client.engine.identity import Identity
from rpdb_client.engine.python_prompts import (
    STATEMENT_END,
    PythonVersion,
)
from rpdb_client.engine.session_actions import Ending, SessionEnd, State
from rpdb_client.engine.session_listener import UNSEEN, SessionListener
from rpdb_client.engine.session_machine import SessionMachine
from rpdb_client.engine.wording import UNKNOWN_PROMPT_SECONDS, unknown_prompt
from rpdb_client.errors import ConnectionLost
from rpdb_client.host import ServerQueue
from rpdb_client.wire.asciify import to_ascii
from rpdb_client.wire.connection import Connection, check_line
from rpdb_client.wire.parser import Parser, Prompt, PromptKind

TAKEN_SPIN = 0.0005
"""How long the driver asks again, without the event loop, whether the server read the ``c``."""

__all__ = [  # the states and endings are the session's vocabulary for the front ends
    "UNSEEN",
    "Ending",
    "Session",
    "SessionEnd",
    "SessionListener",
    "State",
]


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
        self._machine = SessionMachine(
            extra_prompts, first_byte_timeout=first_byte_timeout, ascii_only=ascii_only
        )
        self._listener = listener
        self._encoding = encoding
        self._loop = asyncio.get_running_loop()
        self._ended: asyncio.Future[SessionEnd] = self._loop.create_future()
        self._timers: dict[act.Timer, asyncio.TimerHandle] = {}
        self._state_waiters: list[asyncio.Event] = []
        self._reply: Optional[asyncio.Future[str]] = None
        self._send_failed = False
        self._last_sent = ""
        self._quiet_partial: Optional[asyncio.TimerHandle] = None
        self._leaving = False  # finish() or detach() asked for
        self._server_queue: Optional[ServerQueue] = None
        self.state = State.STARTING
        """The state as the listener was told it (the machine's, once its actions are done)."""
        self.connected_at = connection.connected_at
        self.identity: Optional[Identity] = None
        """The process behind the connection, when the runner could tell (a local peer)."""

    # -- what the front end reads ------------------------------------------------------------

    @property
    def parser(self) -> Parser:
        return self._machine.parser

    @property
    def ascii_only(self) -> bool:
        """Escape non-ASCII input for a server that decodes ASCII (``--ascii``)."""
        return self._machine.ascii_only

    @ascii_only.setter
    def ascii_only(self, value: bool) -> None:
        self._machine.ascii_only = value

    @property
    def prompt(self) -> Optional[Prompt]:
        """The last prompt the server printed."""
        return self._machine.prompt

    @property
    def stop_number(self) -> int:
        """Grows with every line the user sends: what was learnt at a prompt is stale after."""
        return self._machine.stop_number

    @stop_number.setter
    def stop_number(self, value: int) -> None:
        self._machine.stop_number = value

    @property
    def stopped_at(self) -> Optional[float]:
        """When the current stop began (the first prompt after the program moved)."""
        return self._machine.stopped_at

    @property
    def breakpoints(self) -> dict[int, str]:
        """Breakpoints this session saw being set and not deleted, with where pdb put them."""
        return self._machine.watch.breakpoints

    @property
    def location(self) -> Optional[str]:
        """The last ``file(line)func()`` pdb showed."""
        return self._machine.watch.location

    @property
    def is_remote_pdb(self) -> bool:
        """remote-pdb ends lines with CRLF and keeps the connection after ``c``."""
        return self._machine.parser.saw_crlf

    @property
    def last_sent(self) -> str:
        """The last line sent to the server (a queued one or the detach's)."""
        return self._last_sent

    @property
    def known_failure(self) -> Optional[str]:
        """A known failure of the server that its output showed (``wording.KNOWN_FAILURES``)."""
        if (
            self._last_sent.startswith("debug ")
            and self.prompt
            and self.prompt.kind is PromptKind.IPDB
        ):
            return "ipython-debug"  # the crash's traceback goes to the program's stderr
        return self._machine.watch.known_failure

    @property
    def server_python(self) -> Optional[PythonVersion]:
        """The server's ``sys.version_info[:2]`` once learnt (:meth:`learn_python`, or the
        detach's question at ``>>> ``); None before."""
        return self._machine.python.version

    async def learn_python(self, timeout: float = 2.0) -> Optional[PythonVersion]:
        """Ask the server's Python version with a side query (once it is known, at no cost).

        None when it cannot be asked now (not idle at pdb's own prompt) or gave no answer in
        ``timeout`` seconds; the session stays usable either way.
        """
        from rpdb_client.engine.program_python import ask_python_version  # it uses the session

        if self._machine.python.version is None:
            self._machine.python.version = await ask_python_version(self, timeout)
        return self._machine.python.version

    @property
    def pending(self) -> int:
        """Lines waiting for a prompt."""
        return len(self._machine.queue)

    # -- what the front end asks -------------------------------------------------------------

    def send(self, line: str, *, blank_repeats: bool = True) -> None:
        """Queue a line; it goes out at the next prompt (at once if the server waits now).

        ``blank_repeats`` False (piped input): a blank line is sent only where it ends a
        statement (``... ``), not at pdb's prompt, where it would repeat the last command.
        """
        check_line(line)
        if not blank_repeats and not line.strip():
            line = STATEMENT_END
        self._do(self._machine.typed(to_ascii(line) if self.ascii_only else line))

    def show(self, text: str) -> None:
        """Pass on text that came with a side query's reply but is not its answer.

        Another thread's print can arrive while a query runs; its owner hands it back here.
        """
        self._do(self._machine.shown(text))

    def query(self, line: str) -> Optional[asyncio.Future[str]]:
        """Send a side query at an idle debugger prompt; its reply never reaches the listener.

        Returns a future for the text the debugger printed before its next prompt, or None when
        the session is not idle at pdb's own prompt (a query at ``(com) `` would be recorded
        into the command list, at ``>>> `` it would run as Python). Lines the user sends in the
        meantime wait for the query's prompt. A caller that stops waiting (a deadline) leaves
        the session consistent: the reply is still read and dropped.
        """
        if not self._machine.may_query:
            return None
        check_line(line)
        reply = self._reply = self._loop.create_future()
        self._do(self._machine.query(line))
        if self._send_failed:
            self._machine.query_failed()
            self._reply = None
            return None
        return reply

    def unsent(self) -> list[str]:
        """Take back the lines still queued (the session ended before their prompt came)."""
        return [line.replace(STATEMENT_END, "") for line in self._machine.take_unsent()]

    def finish(self) -> None:
        """No more lines will come: detach safely once the queue is empty."""
        self._leaving = True
        self._do(self._machine.finish())
        self._watch_partial_line()

    def detach(self) -> None:
        """Leave now, safely: drop queued lines, ``c`` at the next prompt, drain, close."""
        self._leaving = True
        self._do(self._machine.detach())
        self._watch_partial_line()

    def close_running(self) -> None:
        """End a session that runs after ``c`` (remote-pdb), keeping its queued lines."""
        self._do(self._machine.close_running())

    def abandon(self) -> None:
        """Close at once without waiting for a prompt (the user pressed Ctrl-C twice)."""
        self._do(self._machine.abandon())

    async def run(self) -> SessionEnd:
        """Wait until the session ends; the connection is closed by then."""
        self._do(self._machine.start(time.monotonic() - self.connected_at))
        self.connection.attach(self)
        return await asyncio.shield(self._ended)

    async def wait_for_state(self, *states: State) -> State:
        """Return as soon as the session is in one of ``states``."""
        while self.state not in states:
            waiter = asyncio.Event()
            self._state_waiters.append(waiter)
            await waiter.wait()
        return self.state

    # -- what the connection delivers (a Receiver) -------------------------------------------

    def on_data(self, data: bytes) -> None:
        """Bytes arrived (called by the connection, from the event loop's read callback)."""
        more = self.connection.bytes_waiting()  # a prompt with more behind it is not one
        self._do(self._machine.received(data, time.monotonic(), more))
        self._watch_partial_line()

    def _watch_partial_line(self) -> None:
        """A command runs and the output stops in a partial line: perhaps an unknown prompt.

        Once quiet for ``UNKNOWN_PROMPT_SECONDS`` with lines waiting (or a detach), the user is
        told (``--prompt-regex``, and how to close at once). It never closes by itself: a long
        command may print a partial line too, and closing then would quit it.
        """
        if self._quiet_partial is not None:
            self._quiet_partial.cancel()
            self._quiet_partial = None
        waiting = self.state is State.BUSY or self.state is State.STARTING
        if waiting and self._machine.watch.partial_line:
            self._quiet_partial = self._loop.call_later(
                UNKNOWN_PROMPT_SECONDS, self._partial_line_stayed
            )

    def _partial_line_stayed(self) -> None:
        self._quiet_partial = None
        leaving = self._leaving
        waiting = self.state is State.BUSY or self.state is State.STARTING
        if not waiting or not (self._machine.queue or leaving):
            return
        self._listener.on_notice(unknown_prompt(self._machine.watch.partial_line, leaving))

    def expects_reply(self) -> bool:
        """A line was sent and no prompt came back yet (the connection may read on at once)."""
        return self._machine.expects_reply

    def on_end(self, error: Optional[ConnectionLost]) -> None:
        """The connection ended: EOF (``None``) or broke (``error``)."""
        if self._quiet_partial is not None:
            self._quiet_partial.cancel()
        self._do(self._machine.connection_ended(error.message if error is not None else None))

    # -- carrying out the machine's actions --------------------------------------------------

    def _do(self, actions: list[act.Action]) -> None:
        listener = self._listener
        for action in actions:  # the commonest first: they are on every command's path
            if isinstance(action, act.Send):
                self._send(action.line)
            elif isinstance(action, act.Show):
                listener.on_output(action.text)
            elif isinstance(action, act.Echo):
                if not self._send_failed:
                    self._last_sent = action.line
                    listener.on_sent(action.line, action.prompt)
            elif isinstance(action, act.StateChanged):
                self._set_state(action.state)
            elif isinstance(action, act.AskUser):
                listener.on_prompt(action.prompt)
            elif isinstance(action, act.Replied):
                self._settle_reply(action.text)
            elif isinstance(action, act.Notice):
                listener.on_notice(action.text)
            elif isinstance(action, act.StartTimer):
                self._start_timer(action.timer, action.seconds)
            elif isinstance(action, act.CancelTimer):
                timer = self._timers.pop(action.timer, None)
                if timer is not None:
                    timer.cancel()
            elif isinstance(action, act.ProbePeer):
                if not self.connection.peer_has_closed():
                    self._do(self._machine.peer_open())
            elif isinstance(action, act.CheckUnread):
                self._do(self._machine.unread_at_prompt(self._unread_by_peer()))
            elif isinstance(action, act.CheckTaken):
                self._do(self._machine.taken(self._unread_soon()))
            elif isinstance(action, act.Close):
                self.connection.close()
                if self._server_queue is not None:
                    self._server_queue.close()
            elif isinstance(action, act.Ended) and not self._ended.done():
                self._ended.set_result(action.end)

    def _unread_by_peer(self) -> Optional[int]:
        """Bytes we sent that the debugger has not read yet; None when that cannot be known.

        The kernel tells when the server is on this machine (docs/protocol.md section 5): what
        its socket received of ours and has not read, and what has not reached it yet.
        """
        if self.connection.place:
            return None  # made on another machine: its kernel is not this one (see below)
        if self._server_queue is None:
            self._server_queue = ServerQueue(self.connection.local, self.connection.peer)
        return self._server_queue(self.connection.bytes_sent)

    def _unread_soon(self) -> Optional[int]:
        """``_unread_by_peer``, asked again for up to TAKEN_SPIN while the server wakes up.

        A debugger blocked reading takes a line within tens of microseconds, while a timer
        through the event loop sleeps a millisecond at least (epoll's resolution): the
        tracepoint recipe pays that at every stop (``bench/``: tracepoint).
        """
        if self.connection.place:  # its helper asks the kernel there, a round trip away
            return self.connection.server_unread()
        deadline = time.monotonic() + TAKEN_SPIN
        while True:
            unread = self._unread_by_peer()
            if not unread or time.monotonic() > deadline:
                return unread
            time.sleep(0)  # let the server run

    def _send(self, line: str) -> None:
        try:
            self.connection.send_line(line, self._encoding)
        except ConnectionLost:
            self._send_failed = True  # the read loop meets the same broken connection
        else:
            self._send_failed = False

    def _settle_reply(self, text: str) -> None:
        reply, self._reply = self._reply, None
        if reply is not None and not reply.done():
            reply.set_result(text)

    def _start_timer(self, timer: act.Timer, seconds: float) -> None:
        old = self._timers.pop(timer, None)
        if old is not None:
            old.cancel()
        self._timers[timer] = self._loop.call_later(seconds, self._timer_fired, timer)

    def _timer_fired(self, timer: act.Timer) -> None:
        self._timers.pop(timer, None)
        self._do(self._machine.timer_fired(timer, time.monotonic()))

    def _set_state(self, state: State) -> None:
        self.state = state
        for waiter in self._state_waiters:
            waiter.set()
        self._state_waiters.clear()
        self._listener.on_state(state)
