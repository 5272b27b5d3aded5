"""The run of sessions with a debugger on another machine or in a container.

Owns what changes when the worker is reached through a helper (docs/protocol.md section 8):
connections are asked of the helper, which makes them there and waits there for ``--wait``,
``--any`` and a followed program's next ``set_trace()`` (no round trip per attempt); who is
behind a connection comes from the facts it read from that machine's kernel, and the owner is
checked against the user it runs as; a channel that drops is told as such, and with ``--wait``
a new helper is started and the wait goes on. Everything else (the sessions, the safe way out,
signals, the exit status) is :class:`~rpdb_client.engine.runner.Runner`'s, unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional

from rpdb_client.config import Settings
from rpdb_client.engine.identity import Identity, UntrustedListener
from rpdb_client.engine.runner import Runner
from rpdb_client.engine.session import Session, SessionEnd, State
from rpdb_client.engine.session_actions import Ending
from rpdb_client.engine.session_listener import FrontEnd
from rpdb_client.engine.wording import address, channel_dropped, reconnecting
from rpdb_client.errors import ChannelDropped, ConnectError, RemoteError
from rpdb_client.remote.link import HelperLink
from rpdb_client.remote.reach import Reach
from rpdb_client.remote.relayed import RelayedConnection
from rpdb_client.remote.targets import Target
from rpdb_client.wire.connection import Connection

RESTART_PAUSE = 1.0
"""After a helper could not be started again (the host is down), wait this long before trying."""


class RemoteRunner(Runner):
    """A :class:`Runner` whose connections helpers make on ``targets`` (several: ``--any``)."""

    def __init__(
        self,
        settings: Settings,
        front_end: FrontEnd,
        clock: Callable[[], float],
        reach: Reach,
        targets: list[Target],
    ) -> None:
        super().__init__(settings, front_end, clock)
        self._reach = reach
        self.places = targets
        self._links: dict[Target, HelperLink] = {}
        self._program: Optional[tuple[Target, int, int]] = None
        """Where, which pid and which port the remote-pdb program left is: looked at first."""

    @property
    def target(self) -> str:
        names = ", ".join(target.name for target in self.places)
        if self.settings.any_port:
            pids = ", ".join(map(str, self.settings.pids))
            which = f" of pid {pids}" if pids else ""
            return f"any port{which} on {names}"
        return f"{address(self.settings.host, self.settings.port)} on {names}"

    async def run(self) -> Any:
        try:
            return await super().run()
        finally:
            for link in self._links.values():
                link.stop()

    # -- the helpers -------------------------------------------------------------------------

    async def _helper(self, target: Target) -> HelperLink:
        link = self._links.get(target)
        if link is not None and not link.channel_gone:
            return link
        if link is not None:
            link.stop()
            self.front_end.on_notice(reconnecting(target.name))
        link = self._links[target] = await self._reach.helper(target)
        link.on_notice = self.front_end.on_notice
        return link

    def _fields(self, wait: bool, follow: Optional[tuple[int, int]] = None) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "host": self.settings.host,
            "port": self.settings.port,
            "wait": wait,
            "timeout": self.settings.connect_timeout,
            "prompts": list(self.settings.prompt_regex),
            "pids": list(self.settings.pids),
        }
        if self.settings.any_port:
            fields["scan"] = {"trust": self.settings.trust_owner}
        elif follow is not None:
            fields["follow"] = {"pid": follow[0], "port": follow[1]}
        return fields

    async def _open(
        self, target: Target, fields: dict[str, Any], adopt: bool = False
    ) -> Connection:
        """One connection from the helper there. Cancelled, it is withdrawn; a connection the
        helper made meanwhile is returned all the same with ``adopt`` (a followed program's
        next stop), else left safely: a connection dropped unserved is a quit."""
        pending = (await self._helper(target)).open(fields)
        try:
            return await pending.result()
        except asyncio.CancelledError:
            made = await pending.withdraw()
            if made is not None:
                if adopt:
                    return made
                await self._release(made)
            raise

    # -- the hooks of Runner -----------------------------------------------------------------

    async def _connect(self) -> Optional[Connection]:
        if not self.settings.wait:
            return await self._open(self.places[0], self._fields(wait=False))
        if self._waiting_said != self.sessions_done:
            self._waiting_said = self.sessions_done
            self.front_end.on_waiting(self.target, self.sessions_done)
        waiters = {asyncio.ensure_future(self._wait_there(target)) for target in self.places}
        stopper = asyncio.ensure_future(self._stop.wait())
        await asyncio.wait({*waiters, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        winner = next((waiter for waiter in waiters if waiter.done()), None)
        for waiter in waiters - {winner} if winner else waiters:
            waiter.cancel()  # withdrawn there; a connection one made meanwhile is left safely
        await asyncio.gather(*waiters, return_exceptions=True)
        return winner.result() if winner is not None else None

    async def _wait_there(self, target: Target) -> Connection:
        """Wait there for a listener: the followed program's, else the port (or any port)."""
        while True:
            program = self._program
            follow = program[1:] if program is not None and program[0] == target else None
            fields = self._fields(wait=True, follow=follow)
            fields["port_too"] = follow is not None
            try:
                return await self._open(target, fields)
            except ChannelDropped:
                await asyncio.sleep(0)  # the next helper says it reconnects
            except RemoteError as error:
                self.front_end.on_notice(f"{error.message}; still trying")
                await asyncio.sleep(RESTART_PAUSE)

    async def _identify(self, connection: Connection) -> Optional[Identity]:
        if not isinstance(connection, RelayedConnection):
            return None
        try:
            session = self.sessions_done + 1
            return await self._peers.identify_there(connection.facts, connection.peer, session)
        except UntrustedListener:
            # Closed there with nothing sent: the squatter learns nothing.
            connection.link.refuse(connection.stream)
            raise

    def _remember_program(self, session: Session) -> None:
        process = session.identity.process if session.identity else None
        connection = session.connection
        self._program = None
        if process and session.is_remote_pdb and isinstance(connection, RelayedConnection):
            self._program = (connection.link.target, process.pid, connection.peer[1])

    def _explain(self, end: SessionEnd) -> SessionEnd:
        connection = self.session.connection if self.session else None
        if not isinstance(connection, RelayedConnection) or end.ending is not Ending.LOST:
            return end
        if connection.link.channel_gone:
            return SessionEnd(Ending.CHANNEL_DROPPED, channel_dropped(connection.link.target.name))
        return end

    async def _follow_remote_pdb(
        self, session: Session, connection: Connection
    ) -> Optional[Connection]:
        """As :meth:`Runner._follow_remote_pdb`, the waiting done there, in one request."""
        process = session.identity.process if session.identity else None
        if process is None or not isinstance(connection, RelayedConnection):
            await session.wait_for_state(State.ENDED)
            return None
        while await session.wait_for_state(State.RUNNING, State.ENDED) is State.RUNNING:
            if not session.is_remote_pdb and await self._ends_soon(session):
                break
            fields = self._fields(True, (process.pid, connection.peer[1]))
            target = connection.link.target
            self._follow_attempt = asyncio.ensure_future(self._open(target, fields, adopt=True))
            try:
                return await asyncio.shield(self._follow_attempt)
            except ConnectError:
                self._follow_attempt = None
        return None

    async def _adopt_follow_attempt(self) -> Optional[Connection]:
        attempt, self._follow_attempt = self._follow_attempt, None
        if attempt is None:
            return None
        if not attempt.done():
            attempt.cancel()  # withdrawn there; what it made meanwhile is adopted
        try:
            return await attempt
        except (asyncio.CancelledError, ConnectError):
            return None
