"""The client's end of one helper's channel: control requests, and connections as sockets.

Owns the local half of docs/protocol.md section 8. A thread pumps the channel: the frames of
each relayed connection go to and from one end of a socket pair, whose other end the session
uses as it would a TCP socket (so the session, its parser and its reads are the same for every
place); control messages are answered into the event loop. The thread keeps the relayed bytes
off the event loop, which a session blocks briefly while it reads a reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import selectors
import socket
import subprocess
import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional

from rpdb_client.errors import ChannelDropped, ConnectError, ConnectionRefused, RemoteError
from rpdb_client.host.frames import CONTROL, FrameReader, decode, frame, message
from rpdb_client.remote.channel import SharedConnection, helper_payload, start_helper
from rpdb_client.remote.failures import explain_failure
from rpdb_client.remote.targets import Target

READ_SIZE = 64 * 1024
HELLO_TIMEOUT = 30.0
"""How long the helper may take to start there (a cold container, a slow login shell)."""


@dataclass(frozen=True)
class Relayed:
    """A connection the helper made there: our end of it, and what it learnt of the peer."""

    sock: socket.socket
    local: tuple[str, int]
    peer: tuple[str, int]
    facts: dict[str, Any]
    stream: int


class PendingOpen:
    """A connection asked of the helper: its result, or withdrawn (and what it made anyway)."""

    def __init__(
        self, link: HelperLink, number: int, answer: asyncio.Future[dict[str, Any]]
    ) -> None:
        self._link = link
        self.number = number
        self._answer = answer

    async def result(self) -> Relayed:
        """The connection; ConnectionRefused when nothing listens (and not waiting)."""
        reply = await asyncio.shield(self._answer)
        if "opened" in reply:
            return _relayed(reply)
        kind, text = reply.get("kind"), str(reply.get("message", ""))
        where = self._link.target.name
        if kind in ("refused", "cancelled"):
            raise ConnectionRefused(f"{text} on {where}")
        raise ConnectError(f"cannot connect on {where}: {text}")

    async def withdraw(self) -> Optional[Relayed]:
        """Stop the helper trying; the connection it made meanwhile, if it made one (it must
        then be used or left safely, never dropped: a drop is a quit to a debugger)."""
        if not self._answer.done():
            self._link.send_control({"op": "cancel", "id": self.number})
        try:
            reply = await asyncio.shield(self._answer)
        except (ChannelDropped, RemoteError):
            return None  # the helper leaves what it made safely on its own
        return _relayed(reply) if "opened" in reply else None


def _relayed(reply: dict[str, Any]) -> Relayed:
    local, peer = reply["local"], reply["peer"]
    number = int(reply["opened"])
    return Relayed(reply["sock"], (local[0], local[1]), (peer[0], peer[1]), reply["facts"], number)


class HelperLink:
    """One helper running on a far side, and the thread that pumps its channel."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.hello: dict[str, Any] = {}
        self.dropped = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._ours, self._theirs = socket.socketpair()
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._write_lock = threading.Lock()
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._numbers = itertools.count(1)
        self._pumped: dict[int, socket.socket] = {}
        self.channel_gone = False
        self._hello: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self.on_notice: Callable[[str], None] = lambda text: None

    @classmethod
    async def start(
        cls,
        target: Target,
        ssh_command: tuple[str, ...],
        shared: Optional[SharedConnection],
        python: str,
    ) -> HelperLink:
        """Start the helper there and wait for its hello; RemoteError says why it could not."""
        link = cls(target)
        link._process = start_helper(target, ssh_command, shared, python, link._theirs.fileno())
        link._theirs.close()
        with contextlib.suppress(OSError):  # it ended already: the pump reads why
            link._ours.sendall(helper_payload())
        threading.Thread(target=link._pump, name=f"channel {target.name}", daemon=True).start()
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
        if self.dropped.is_set():
            raise ChannelDropped(f"the channel to {self.target.name} is gone")
        number = next(self._numbers)
        answer: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._waiting[number] = answer
        self._write(message({**fields, "id": number}))
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
        self.send_control({"op": "close", "stream": stream})

    def send_control(self, fields: dict[str, Any]) -> None:
        self._write(message(fields))

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

    # -- the pump (its own thread) -----------------------------------------------------------

    def _write(self, data: bytes) -> None:
        # An error's end comes through the pump's read.
        with self._write_lock, contextlib.suppress(OSError):
            self._ours.sendall(data)

    def _pump(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._ours, selectors.EVENT_READ, CONTROL)
        try:
            self._pump_until_the_end(selector)
        except ValueError:  # the far side sent what is no frame (a broken helper): it ends
            with contextlib.suppress(OSError):
                self._ours.shutdown(socket.SHUT_RDWR)
        self._channel_ended(selector)

    def _pump_until_the_end(self, selector: selectors.BaseSelector) -> None:
        reader = FrameReader()
        while True:
            for key, _ in selector.select():
                if key.data != CONTROL:
                    self._from_session(key.data, selector)
                    continue
                try:
                    data = self._ours.recv(READ_SIZE)
                except OSError:
                    data = b""
                if not data:
                    return
                for number, payload in reader.feed(data):
                    self._deliver(number, payload, selector)

    def _deliver(self, number: int, payload: bytes, selector: selectors.BaseSelector) -> None:
        if number == CONTROL:
            fields = decode(payload)
            if "opened" in fields:
                # Here, before the stream's first bytes (the next frames) are delivered.
                fields["sock"], theirs = socket.socketpair()
                self._pumped[int(fields["opened"])] = theirs
                selector.register(theirs, selectors.EVENT_READ, int(fields["opened"]))
            self._to_loop(self._on_message, fields)
            return
        stream = self._pumped.get(number)
        if stream is None:
            return
        if payload:
            with contextlib.suppress(OSError):
                stream.sendall(payload)
            return
        self._forget(number, selector)  # the debugger's end: the session reads EOF

    def _from_session(self, number: int, selector: selectors.BaseSelector) -> None:
        pumped = self._pumped.get(number)
        if pumped is None:
            return  # its end came in the same round (the debugger closed it)
        try:
            data = pumped.recv(READ_SIZE)
        except OSError:
            data = b""
        self._write(frame(number, data))  # b"": the session closed, the helper closes there
        if not data:
            self._forget(number, selector)

    def _forget(self, number: int, selector: selectors.BaseSelector) -> None:
        pumped = self._pumped.pop(number, None)
        if pumped is None:
            return
        selector.unregister(pumped)
        pumped.close()

    def _channel_ended(self, selector: selectors.BaseSelector) -> None:
        self.channel_gone = True  # before the sessions read their end: they are told why
        for number in list(self._pumped):
            self._forget(number, selector)
        status: Optional[int] = None
        stderr = b""
        process = self._process  # (stop() may forget it meanwhile, from the event loop)
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                status = process.wait(5)
            if process.stderr is not None:
                with contextlib.suppress(OSError, ValueError):
                    stderr = process.stderr.read()
        self._to_loop(self._on_end, status, stderr)

    def _to_loop(self, callback: Callable[..., None], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the run is over: its loop is closed
            self._loop.call_soon_threadsafe(callback, *args)

    # -- back in the event loop --------------------------------------------------------------

    def _on_message(self, fields: dict[str, Any]) -> None:
        if "hello" in fields:
            if not self._hello.done():
                self._hello.set_result(fields)
            return
        if "notice" in fields:
            self.on_notice(f"{fields.get('message')} on {self.target.name}; still waiting")
            return
        number = fields.get("opened", fields.get("failed", fields.get("listed")))
        answer = self._waiting.pop(int(number), None) if number is not None else None
        if answer is not None and not answer.done():
            answer.set_result(fields)

    def _on_end(self, status: Optional[int], stderr: bytes) -> None:
        error: Exception
        if not self._hello.done():
            error = explain_failure(self.target, status if status is not None else -1, stderr)
            self._hello.set_exception(error)
        else:
            error = ChannelDropped(f"the channel to {self.target.name} dropped")
        for answer in self._waiting.values():
            if not answer.done():
                answer.set_exception(error)
        self._waiting.clear()
        self.dropped.set()
