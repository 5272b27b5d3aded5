"""The client's end of one helper's channel: control requests, and the connections it relays.

Owns the local half of docs/protocol.md section 8. The channel (one end of a socket pair whose
other end is the ``ssh`` or ``exec`` process's stdin and stdout) is read in the event loop's read
callback: control messages answer the requests, and each relayed connection's frames go straight
to its :class:`~rpdb_client.remote.relayed.RelayedConnection`, which the session uses as any
connection. No thread and no second socket stand between a reply and the session: on loopback
each would cost about as much as the relay itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import select
import socket
import subprocess
import time
from typing import Any, Callable, Optional

from rpdb_client.errors import ChannelDropped, ConnectError, ConnectionRefused, RemoteError
from rpdb_client.host.frames import CONTROL, FrameReader, decode, message
from rpdb_client.remote.channel import SharedConnection, helper_payload, start_helper
from rpdb_client.remote.failures import explain_failure
from rpdb_client.remote.relayed import RelayedConnection
from rpdb_client.remote.targets import Target

READ_SIZE = 64 * 1024
REPLY_WAIT = 0.002
"""As ``wire.connection``'s, longer: a round trip through ssh and the helper takes about 0.35 ms
on loopback, more than the 0.3 ms of a local socket, and every trip round the event loop meanwhile
cost about 0.05 ms (bench/bench_remote.py)."""
REPLY_BUDGET = 0.005
HELLO_TIMEOUT = 30.0
"""How long the helper may take to start there (a cold container, a slow login shell)."""


class PendingOpen:
    """A connection asked of the helper: its result, or withdrawn (and what it made anyway)."""

    def __init__(
        self, link: HelperLink, number: int, answer: asyncio.Future[dict[str, Any]]
    ) -> None:
        self._link = link
        self.number = number
        self._answer = answer

    async def result(self) -> RelayedConnection:
        """The connection; ConnectionRefused when nothing listens (and not waiting)."""
        reply = await asyncio.shield(self._answer)
        if "opened" in reply:
            return reply["connection"]  # type: ignore[no-any-return]
        kind, text = reply.get("kind"), str(reply.get("message", ""))
        where = self._link.target.name
        if kind in ("refused", "cancelled"):
            raise ConnectionRefused(f"{text} on {where}")
        raise ConnectError(f"cannot connect on {where}: {text}")

    async def withdraw(self) -> Optional[RelayedConnection]:
        """Stop the helper trying; the connection it made meanwhile, if it made one (it must
        then be used or left safely, never dropped: a drop is a quit to a debugger)."""
        if not self._answer.done():
            self._link.send_control({"op": "cancel", "id": self.number})
        try:
            reply = await asyncio.shield(self._answer)
        except (ChannelDropped, RemoteError):
            return None  # the helper leaves what it made safely on its own
        return reply["connection"] if "opened" in reply else None


class HelperLink:
    """One helper running on a far side; its channel is read in the event loop."""

    def __init__(self, target: Target, channel: socket.socket) -> None:
        self.target = target
        self.hello: dict[str, Any] = {}
        self._loop = asyncio.get_running_loop()
        self._ours = channel
        self._poller = select.poll()
        self._poller.register(self._ours, select.POLLIN)
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._reader = FrameReader()
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._numbers = itertools.count(1)
        self._streams: dict[int, RelayedConnection] = {}
        self.channel_gone = False
        """Set before the relayed connections read their end, so that they are told why."""
        self._hello: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self.on_notice: Callable[[str], None] = lambda text: None
        self._explaining: Optional[asyncio.Future[None]] = None

    @classmethod
    async def start(
        cls,
        target: Target,
        ssh_command: tuple[str, ...],
        shared: Optional[SharedConnection],
        python: str,
        first: Optional[tuple[subprocess.Popen[bytes], socket.socket]] = None,
    ) -> HelperLink:
        """Start the helper there and wait for its hello; RemoteError says why it could not.

        ``first``: the shared connection's own session, whose helper is on its way already.
        """
        if first is not None:  # the shared connection's own session: the helper is on its way
            link = cls(target, first[1])
            link._process = first[0]
        else:
            ours, theirs = socket.socketpair()
            link = cls(target, ours)
            try:
                link._process = start_helper(target, ssh_command, shared, python, theirs.fileno())
            finally:
                theirs.close()
            with contextlib.suppress(OSError):  # it ended already: the read says why
                ours.sendall(helper_payload())
        link._loop.add_reader(link._ours.fileno(), link._readable)
        try:
            link.hello = await asyncio.wait_for(asyncio.shield(link._hello), HELLO_TIMEOUT)
        except asyncio.TimeoutError:
            link.stop()
            raise RemoteError(
                f"the helper did not start on {target.name} in {HELLO_TIMEOUT:g} s"
            ) from None
        except RemoteError:
            link.stop()
            raise
        return link

    # -- requests ----------------------------------------------------------------------------

    def _request(self, fields: dict[str, Any]) -> tuple[int, asyncio.Future[dict[str, Any]]]:
        if self.channel_gone:
            raise ChannelDropped(f"the channel to {self.target.name} is gone")
        number = next(self._numbers)
        answer: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._waiting[number] = answer
        self.send_control({**fields, "id": number})
        return number, answer

    async def list_debuggers(self) -> list[dict[str, Any]]:
        """What ``--list`` shows, read from that machine's kernel."""
        _, answer = self._request({"op": "list"})
        return list((await answer)["debuggers"])

    def open(self, fields: dict[str, Any]) -> PendingOpen:
        """Ask the helper for a connection there (it waits there with ``wait``)."""
        number, answer = self._request({"op": "open", **fields})
        return PendingOpen(self, number, answer)

    def refuse(self, stream: int) -> None:
        """Close a relayed connection there at once, sending nothing (another user's)."""
        self.forget(stream)
        self.send_control({"op": "close", "stream": stream})

    def send_control(self, fields: dict[str, Any]) -> None:
        self.write(message(fields))

    def write(self, data: bytes) -> None:
        """Send frames (a channel that broke is noticed by the read)."""
        with contextlib.suppress(OSError):
            self._ours.sendall(data)

    def forget(self, stream: int) -> None:
        self._streams.pop(stream, None)

    def stop(self) -> None:
        """End the channel (the helper leaves every relayed session safely, then exits)."""
        with contextlib.suppress(OSError):
            self._ours.shutdown(socket.SHUT_RDWR)
        process, self._process = self._process, None
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(2)
            if process.poll() is None:
                process.kill()
                process.wait()
            if process.stderr is not None:
                process.stderr.close()
        self._ended()

    # -- reading the channel (the event loop's read callback) --------------------------------

    def _readable(self) -> None:
        """Deliver what came; while a reply is expected, wait briefly for the rest right here
        (as ``Connection`` does for its socket: a trip round the loop costs as much again)."""
        self._read_waiting()
        deadline = time.monotonic() + REPLY_BUDGET
        while not self.channel_gone and any(s.expects_reply() for s in self._streams.values()):
            if not self._poller.poll(REPLY_WAIT * 1000) or time.monotonic() > deadline:
                return
            self._read_waiting()

    def _read_waiting(self) -> None:
        while not self.channel_gone:
            try:
                data = self._ours.recv(READ_SIZE, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._ended()
                return
            try:
                frames = self._reader.feed(data)
                for number, payload in frames:
                    self._deliver(number, payload)
            except ValueError:  # what is no frame: a broken helper, the channel is unusable
                self._ended()
                return
            if len(data) < READ_SIZE:
                return

    def waiting_for(self, stream: int, end: bool) -> bool:
        """Whether bytes (or with ``end`` the end) of ``stream`` already wait, unread."""
        try:
            peeked = self._ours.recv(READ_SIZE, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except OSError:
            peeked = b""
        for number, length in self._reader.headers_in(peeked):
            if number == stream and (length == 0) == end:
                return True
        return False

    def _deliver(self, number: int, payload: bytes) -> None:
        if number == CONTROL:
            self._on_message(decode(payload))
            return
        stream = self._streams.get(number)
        if stream is None:
            return
        if payload:
            stream.deliver(payload)
        else:
            self._streams.pop(number, None)
            stream.deliver_end()

    def _on_message(self, fields: dict[str, Any]) -> None:
        if "hello" in fields:
            if not self._hello.done():
                self._hello.set_result(fields)
            return
        if "unread" in fields:
            asked = self._streams.get(int(fields["unread"]))
            if asked is not None:
                asked.note_unread(int(fields["sent"]), fields.get("bytes"))
            return
        if "notice" in fields:
            self.on_notice(f"{fields.get('message')} on {self.target.name}; still waiting")
            return
        if "opened" in fields:  # before its first bytes, which are the next frames
            stream = int(fields["opened"])
            local, peer = fields["local"], fields["peer"]
            fields["connection"] = self._streams[stream] = RelayedConnection(
                self, stream, (local[0], local[1]), (peer[0], peer[1]), fields["facts"]
            )
        number = fields.get("opened", fields.get("failed", fields.get("listed")))
        answer = self._waiting.pop(int(number), None) if number is not None else None
        if answer is not None and not answer.done():
            answer.set_result(fields)

    def _ended(self) -> None:
        if self.channel_gone:
            return
        self.channel_gone = True
        with contextlib.suppress(ValueError, OSError):
            self._loop.remove_reader(self._ours.fileno())
        for stream in list(self._streams.values()):
            stream.deliver_end(ChannelDropped(f"the channel to {self.target.name} dropped"))
        self._streams.clear()
        self._explaining = asyncio.ensure_future(self._explain_end())

    async def _explain_end(self) -> None:
        """Why the channel ended, from its process (it exits as the channel closes)."""
        process = self._process
        status, stderr = -1, b""
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                status = await asyncio.to_thread(process.wait, 5)
            if process.stderr is not None:
                with contextlib.suppress(OSError, ValueError):
                    stderr = await asyncio.to_thread(process.stderr.read)
        error: Exception
        if not self._hello.done():
            error = explain_failure(self.target, status, stderr)
            self._hello.set_exception(error)
        else:
            error = ChannelDropped(f"the channel to {self.target.name} dropped")
        for answer in self._waiting.values():
            if not answer.done():
                answer.set_exception(error)
        self._waiting.clear()
