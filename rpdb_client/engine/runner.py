"""The client's run: connect or wait, run sessions one after another, stop politely.

Owns everything between the command line and one session: connecting once or waiting for a
listener (``--wait``, docs/protocol.md section 5), counting sessions (``--count``), following a
remote-pdb program to its next ``set_trace()`` while the old connection stays open after ``c``,
turning SIGINT/SIGTERM/SIGHUP into a safe detach, and mapping the outcomes to an exit status.
What a person sees is the front end's business (:class:`FrontEnd`); this module never prints.
"""

from __future__ import annotations

import asyncio
import signal
from typing import AbstractSet, Callable, Optional

from rpdb_client.config import Settings
from rpdb_client.engine.backoff import FAST_PHASE, Backoff
from rpdb_client.engine.identity import Identity, PeerTracker, UntrustedListener
from rpdb_client.engine.session import UNSEEN, Session, SessionEnd, State
from rpdb_client.engine.session_listener import FrontEnd
from rpdb_client.engine.wording import (
    REMOTE_WARNING,
    address,
    detach_overdue,
    escaping_for_an_ascii_server,
    waiting_to_detach,
)
from rpdb_client.engine.worker_countdown import watch_timeout
from rpdb_client.errors import ConnectError, ConnectionRefused, ExitStatus
from rpdb_client.host import ListenerScan, list_listeners
from rpdb_client.wire.addresses import connect_address, is_local
from rpdb_client.wire.connection import Connection

UNREACHABLE_RETRY = 1.0
DETACH_PATIENCE = 5.0
"""After a signal, how long a detach waits for a running command's prompt (a frozen program)."""


_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Runner:
    """Runs the sessions that ``settings`` ask for, telling ``front_end`` what happens.

    ``clock`` is the run's monotonic clock (the environment's), for when to stop knocking.
    """

    def __init__(
        self,
        settings: Settings,
        front_end: FrontEnd,
        clock: Callable[[], float],
    ) -> None:
        self.settings = settings
        self.front_end = front_end
        self._clock = clock
        self.session: Optional[Session] = None
        self.sessions_done = 0
        self.interrupted = False
        self._gave_up: Optional[ExitStatus] = None
        self._worst = ExitStatus.OK
        self._stop = asyncio.Event()
        self._follow_attempt: Optional[asyncio.Future[Connection]] = None
        self._peers = PeerTracker(
            settings.timeout_hint, settings.trust_owner, settings.pids, front_end.confirm_owner
        )
        self._peers.stopped = self._stop  # Ctrl-C or a signal while root is asked: refused
        self._waiting_said = -1
        self._same_process: Optional[ListenerScan] = None  # the last remote-pdb program's
        self._scan = (
            ListenerScan(settings.pids, settings.trust_owner) if settings.any_port else None
        )
        self._warned_remote = False
        self._said_escaping = False

    @property
    def target(self) -> str:
        if self.settings.any_port:
            pids = ", ".join(map(str, self.settings.pids))
            which = f" of pid {pids}" if pids else ""
            return f"any port{which} on this machine"
        return address(self.settings.host, self.settings.port)

    async def run(self) -> ExitStatus:
        """Run until done; returns the exit status."""
        loop = asyncio.get_running_loop()
        for signum in _SIGNALS:
            loop.add_signal_handler(
                signum, self.hang_up if signum == signal.SIGHUP else self.interrupt
            )
        try:
            return await self._run()
        finally:
            for signum in _SIGNALS:
                loop.remove_signal_handler(signum)

    def interrupt(self) -> None:
        """Ctrl-C or a signal: leave the current session safely, then stop.

        A second one while a detach still waits for a prompt closes at once: the user insists.
        """
        if self.interrupted and self.session is not None:
            self.session.abandon()
            return
        self.interrupted = True
        self._stop.set()
        if self.session is not None:
            self.session.detach()
            if self.session.state in (State.BUSY, State.STARTING):
                self.front_end.on_notice(waiting_to_detach(DETACH_PATIENCE))
                self._bound_the_detach(self.session)

    def _bound_the_detach(self, session: Session) -> None:
        """Close if the prompt the detach waits for has not come in ``DETACH_PATIENCE``."""

        def overdue() -> None:
            if session.state in (State.BUSY, State.STARTING):
                self.front_end.on_notice(detach_overdue(DETACH_PATIENCE))
                session.abandon()

        asyncio.get_running_loop().call_later(DETACH_PATIENCE, overdue)

    def give_up(self, status: ExitStatus) -> None:
        """The client cannot go on (its own output failed): leave safely, stop with ``status``."""
        if self._gave_up is None:
            self._gave_up = status
        self._stop.set()
        if self.session is not None:
            self.session.detach()

    def hang_up(self) -> None:
        """SIGHUP, or the front end's terminal gone: leave safely, once.

        A closed terminal both hangs up and ends the input, in either order: neither is a user
        insisting, so neither turns a safe detach into closing at once (issue 11 item 9).
        """
        if not self.interrupted:
            self.interrupt()

    def stop_after_session(self) -> None:
        """End the run once the current session is over (the front end has nothing more)."""
        self._stop.set()

    async def _run(self) -> ExitStatus:
        connection: Optional[Connection] = None
        while not self._stop.is_set():
            if connection is None:
                connection = await self._connect()
                if connection is None:
                    break
            if not await self._hear_first_byte(connection):
                connection = None  # a listener being closed accepted and reset us: "not yet"
                continue
            end, connection = await self._run_session(connection)
            self._follow_attempt = None
            self.sessions_done += 1
            self._worst = max(self._worst, end.ending.status)
            if not self.settings.wait or self.sessions_done == self.settings.count:
                break
        if connection is not None:
            await self._release(connection)
        if self._gave_up is not None:
            return self._gave_up
        if self.interrupted:
            return ExitStatus.INTERRUPTED
        return self._worst

    async def _connect(self) -> Optional[Connection]:
        if not self.settings.wait:
            return await Connection.open(
                self.settings.host, self.settings.port, self.settings.connect_timeout
            )
        if self._waiting_said != self.sessions_done:
            # Once per wait: a listener that accepted and reset us ("not yet") is no new wait.
            self._waiting_said = self.sessions_done
            self.front_end.on_waiting(self.target, self.sessions_done)
        waiter = asyncio.ensure_future(self._wait_for_listener())
        stopper = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if waiter.done():
            return waiter.result()
        waiter.cancel()
        return None

    async def _wait_for_listener(self) -> Connection:
        """Try to connect until a debugger listens; refusals and early resets mean "not yet"."""
        backoff = Backoff(self._clock)
        while True:
            try:
                return await self._try_connect(backoff.knock_for())
            except ConnectionRefused:
                await backoff.wait()
            except ConnectError as error:
                # Unreachable or unresolvable: keep waiting, but not at full speed.
                self.front_end.on_notice(f"{error.message}; still waiting")
                await asyncio.sleep(UNREACHABLE_RETRY)

    async def _try_connect(self, knock_for: float) -> Connection:
        """One attempt: the configured port, or with ``--any`` each debugger now waiting."""
        if self._scan is None:
            for listener, _ in self._same_process.waiting() if self._same_process else ():
                return await Connection.open(
                    connect_address(listener.address), listener.port, self.settings.connect_timeout
                )
            return await Connection.open(
                self.settings.host, self.settings.port, self.settings.connect_timeout, knock_for
            )
        waiting = self._scan.waiting()
        for number, (listener, _) in enumerate(waiting):
            host = connect_address(listener.address)
            try:
                connection = await Connection.open(
                    host, listener.port, self.settings.connect_timeout
                )
            except ConnectError:
                continue
            others = [f"port {entry.port} (pid {process.pid})" for entry, process in waiting]
            del others[number]
            if others:
                self.front_end.on_notice(
                    f"{len(others)} more debugger(s) waiting, served next: {', '.join(others)}"
                )
            return connection
        raise ConnectionRefused("no debugger is waiting")

    async def _identify(self, connection: Connection) -> Optional[Identity]:
        host = connection.peer[0]
        if not is_local(host):
            if not self._warned_remote:
                self._warned_remote = True
                self.front_end.on_notice(REMOTE_WARNING.format(host=host))
            return None
        try:
            session = self.sessions_done + 1
            return await self._peers.identify(connection.local, connection.peer, session)
        except UntrustedListener:
            connection.close()  # nothing was sent: the squatter learns nothing
            raise

    async def _hear_first_byte(self, connection: Connection) -> bool:
        """Wait for the debugger's first bytes before a session begins (and is announced).

        False with ``--wait`` when the connection ended before a byte: rpdb's previous
        listener, being closed, accepts and resets a client; that is "not yet", not a session.
        A silent peer is a session, whose end explains what the silence means.
        """
        if not connection.first_data.done():
            # A plain future and a timer: this runs once per session of a --wait loop.
            heard = asyncio.get_running_loop().create_future()

            def settle(value: bool) -> None:
                if not heard.done():
                    heard.set_result(value)

            connection.first_data.add_done_callback(lambda _: settle(True))
            timer = asyncio.get_running_loop().call_later(
                self.settings.connect_timeout, settle, False
            )
            if not await heard:
                return True  # silent: the session explains what that means
            timer.cancel()
        if connection.received_bytes or not self.settings.wait:
            return True
        connection.close()
        return False

    async def _run_session(self, connection: Connection) -> tuple[SessionEnd, Optional[Connection]]:
        session = Session(
            connection,
            self.front_end,
            extra_prompts=self.settings.prompt_regex,
            first_byte_timeout=self.settings.connect_timeout,
            ascii_only=self.settings.ascii,
        )
        self.session = session
        session.identity = await self._identify(connection)
        timers = watch_timeout(session, self.front_end.on_notice)
        # Before the front end queues the first lines (-c): they are escaped as they are queued.
        identity = session.identity
        escaping = identity.decodes_ascii if identity and not session.ascii_only else ""
        session.ascii_only = session.ascii_only or bool(escaping)
        self.front_end.on_session_start(session, self.sessions_done + 1)
        if escaping and not self._said_escaping:
            self._said_escaping = True  # once a run: a --wait loop meets the same server
            self.front_end.on_notice(escaping_for_an_ascii_server(escaping))
        if self.interrupted or self._gave_up is not None:
            session.detach()
        running = asyncio.ensure_future(session.run())
        follower: Optional[asyncio.Future[Optional[Connection]]] = None
        if self.settings.wait:
            follower = asyncio.ensure_future(self._follow_remote_pdb(session, connection))
            await asyncio.wait({running, follower}, return_when=asyncio.FIRST_COMPLETED)
        next_connection = None
        if follower is not None and follower.done() and not follower.cancelled():
            next_connection = follower.result()
            if next_connection is not None:
                session.close_running()
        end = self._explain(await running)
        self._remember_program(session)
        for timer in timers:
            timer.cancel()
        if follower is not None and not follower.done():
            follower.cancel()
            next_connection = await self._adopt_follow_attempt()
        self.session = None
        self.front_end.on_session_end(session, end)
        return end, next_connection

    def _explain(self, end: SessionEnd) -> SessionEnd:
        """The end of a session as the user is told it (a place may know more of a loss)."""
        return end

    def _remember_program(self, session: Session) -> None:
        """remote-pdb listens anew at its next set_trace() (a random port): look there first."""
        process = session.identity.process if session.identity else None
        if process is None or not session.is_remote_pdb:
            self._same_process = None
        elif self._same_process is None or self._same_process.pids != (process.pid,):
            self._same_process = ListenerScan((process.pid,), True)

    async def _release(self, connection: Connection) -> None:
        """Let a debugger we connected to but will not serve go on: detach at its prompt."""
        session = Session(connection, UNSEEN, first_byte_timeout=self.settings.connect_timeout)
        session.detach()
        await session.run()

    async def _adopt_follow_attempt(self) -> Optional[Connection]:
        """The connection a cancelled follower was making, if it gets one."""
        attempt, self._follow_attempt = self._follow_attempt, None
        if attempt is None:
            return None
        try:
            return await attempt
        except ConnectError:
            return None

    async def _follow_remote_pdb(
        self, session: Session, connection: Connection
    ) -> Optional[Connection]:
        """remote-pdb keeps the connection after ``c``; its next ``set_trace()`` listens anew.

        The next listener is the same process's, on whatever port (remote-pdb's default is a
        new random port at every ``set_trace()``): found through the kernel when the process is
        known, never by knocking on other ports (a knock is a quit to a debugger).
        """
        backoff = Backoff(self._clock)
        process = session.identity.process if session.identity else None
        same_process = ListenerScan((process.pid,), trust_other_users=True) if process else None
        # rpdb 0.1.6 and a pdb on a socket stay after `c` too (docs/protocol.md section 4): a new
        # listener of the process is the next stop; the session's own is the one on its port.
        old = {found.inode for found in list_listeners() if found.port == connection.peer[1]}
        while await session.wait_for_state(State.RUNNING, State.ENDED) is State.RUNNING:
            if not session.is_remote_pdb and same_process is None:
                await session.wait_for_state(State.ENDED)  # nothing to watch: wait for its end
                break
            if not session.is_remote_pdb and await self._ends_soon(session):
                break  # rpdb and celery close on `c` within a millisecond: no scan for them
            # Shielded: our connect makes remote-pdb drop the old connection, so the old
            # session may end before this attempt returns; a connection accepted by the next
            # set_trace() must then be adopted, never dropped (that would be a quit).
            self._follow_attempt = asyncio.ensure_future(
                self._next_listener(same_process, connection.peer, backoff.knock_for(), old)
            )
            try:
                return await asyncio.shield(self._follow_attempt)
            except ConnectError:
                self._follow_attempt = None
            await backoff.wait()
        return None

    async def _ends_soon(self, session: Session) -> bool:  # rpdb and celery close on `c`
        try:
            await asyncio.wait_for(session.wait_for_state(State.ENDED), FAST_PHASE)
        except asyncio.TimeoutError:
            return False
        return True

    async def _next_listener(
        self,
        same_process: Optional[ListenerScan],
        peer: tuple[str, int],
        knock_for: float,
        old: AbstractSet[int] = frozenset(),
    ) -> Connection:
        """One attempt at the followed program's next listener; without its process (another
        machine, not readable), the port of the session it left (``REMOTE_PDB_PORT`` set)."""
        timeout = self.settings.connect_timeout
        if same_process is None:
            return await Connection.open(peer[0], peer[1], timeout, knock_for)
        for found, _ in same_process.waiting():
            if found.inode not in old:  # not the listener of the session being left
                return await Connection.open(connect_address(found.address), found.port, timeout)
        raise ConnectionRefused("the program has not stopped again yet")
