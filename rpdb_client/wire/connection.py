"""The connection to a debugger: connect, read, send one line, close politely.

Owns the socket and nothing else (docs/protocol.md sections 2-5): host names, IPv4 and IPv6;
re-arming ``TCP_QUICKACK`` after every read on Linux, which removes remote-pdb's 40 ms stalls;
sending only text lines ending in ``\\n``; closing without an RST. It raises the typed errors of
:mod:`rpdb_client.errors` and never prints or exits. Standard library only.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import os
import re
import select
import socket
import time
from typing import Optional, Protocol

try:
    import fcntl
    import termios
except ImportError:  # not a POSIX system: peeking does the same, a little slower
    fcntl = termios = None  # type: ignore[assignment]

from rpdb_client.errors import ConnectError, ConnectionLost, ConnectionRefused
from rpdb_client.wire.addresses import host_port

READ_SIZE = 64 * 1024
"""Bytes read at a time. Under glibc's mmap threshold (128 KiB): the buffers of a big reply are
then reused from the heap instead of being faulted in and trimmed away for every read (a 20 MB
reply: 1.5x -> 1.2x of a raw client's time, bench/)."""
_JOIN_LIMIT = 64 * 1024
REPLY_WAIT = 0.0003
"""How long the read callback waits for more of a reply before returning to the event loop."""
REPLY_BUDGET = 0.005
"""The longest one read callback may keep the event loop (and so the terminal UI) waiting."""
KNOCK_PAUSE = 0.0001
"""The pause between two refused attempts of ``Connection.open(knock_for=...)``."""
_QUICKACK: Optional[int] = getattr(socket, "TCP_QUICKACK", None)
_FIONREAD: Optional[int] = getattr(termios, "FIONREAD", None)

_RESET_ERRORS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
_FOUR_BYTES = bytes(4)
"""An ``int`` argument for ``ioctl``: it comes back unchanged exactly when the answer is 0."""


class UnsendableLine(ValueError):
    """A line holds a character that must never reach the debugger (a control character)."""


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_line(line: str) -> None:
    """Refuse what a remote pdb would choke on: control characters and line breaks inside."""
    found = _CONTROL.search(line)
    if found:
        raise UnsendableLine(f"the line holds the control character {found.group()!r}, not sent")


class Connection(asyncio.Protocol):
    """One TCP connection to a debugger's socket.

    An ``asyncio.Protocol``: received bytes are handed to the receiver synchronously from the
    event loop's read callback, so a prompt can be answered without a task switch (this keeps
    a command's round trip close to a raw socket's).
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.peer: tuple[str, int] = sock.getpeername()[:2]
        self.local: tuple[str, int] = sock.getsockname()[:2]
        self.place = ""
        """The machine a helper made the connection on (``remote.link``); "" for this one."""
        self._start_delivery()
        self._fd = sock.fileno()
        self._poller = select.poll()
        self._poller.register(sock, select.POLLIN)
        self._arm_quickack()

    def _start_delivery(self) -> None:
        """The state of delivering to a receiver, whatever carries the bytes."""
        self.closed = False
        self._transport: Optional[asyncio.Transport] = None
        self._receiver: Optional[Receiver] = None
        self._early: list[bytes] = []
        self._early_end: Optional[ConnectionLost] = None
        self._ended = False
        self.first_data: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Done when the first bytes, or the end, arrived: the peer has said something."""
        self.received_bytes = False
        self.bytes_sent = 0
        """Every byte handed to the transport so far (the server's count is compared with it)."""
        self.connected_at = time.monotonic()

    @classmethod
    async def open(
        cls, host: str, port: int, timeout: float = 5.0, knock_for: float = 0.0
    ) -> Connection:
        """Connect to ``host:port``; ``ConnectionRefused`` when nothing listens there yet.

        With ``knock_for``, refused attempts are repeated every KNOCK_PAUSE for that long,
        blocking: a loop's next ``set_trace()`` listens a fraction of a millisecond after
        ``c``, and one retry through the event loop costs about as much again.
        """
        addresses = await _addresses(host, port)
        knock_until = time.monotonic() + knock_for
        while True:
            refused = False
            last_error: Optional[OSError] = None
            for family, kind, proto, address in addresses:
                sock = socket.socket(family, kind, proto)
                sock.setblocking(False)
                try:
                    await _connect(sock, address, timeout)
                    return await cls._wrap(sock)
                except (ConnectionRefusedError, *_RESET_ERRORS):
                    # A listener being closed can accept and reset inside connect(): "not yet".
                    refused = True
                except asyncio.TimeoutError:
                    last_error = TimeoutError(errno.ETIMEDOUT, "timed out")
                except OSError as error:
                    last_error = error
                sock.close()
            if not refused or last_error is not None or time.monotonic() >= knock_until:
                break
            time.sleep(KNOCK_PAUSE)
        if refused:
            raise ConnectionRefused(f"connection to {host_port(host, port)} refused")
        reason = last_error.strerror if last_error and last_error.strerror else str(last_error)
        raise ConnectError(f"cannot connect to {host_port(host, port)}: {reason}")

    @classmethod
    async def _wrap(cls, sock: socket.socket) -> Connection:
        connection = cls(sock)
        await asyncio.get_running_loop().create_connection(lambda: connection, sock=sock)
        return connection

    # -- who receives ------------------------------------------------------------------------

    def attach(self, receiver: Receiver) -> None:
        """Start delivering to ``receiver`` (bytes that came before are delivered now)."""
        self._receiver = receiver
        for data in self._early:
            receiver.on_data(data)
        self._early.clear()
        if self._ended:
            receiver.on_end(self._early_end)

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.max_size = READ_SIZE  # type: ignore[attr-defined]  # asyncio reads 256 KiB

    def data_received(self, data: bytes) -> None:
        self.received_bytes = True
        if not self.first_data.done():
            self.first_data.set_result(None)
        if self._receiver is not None:
            self._receiver.on_data(data)
        else:
            self._early.append(data)
        # Re-armed after the bytes were handed on, so that a queued answer goes out first.
        self._arm_quickack()
        self._read_rest_of_reply()

    def _read_rest_of_reply(self) -> None:
        """While a reply is expected, read it here instead of going round the event loop.

        A round trip through asyncio's loop costs about as much as pdb's own work on a short
        command; a blocking client does not pay it. So while the receiver says a reply is under
        way, wait briefly (REPLY_WAIT) for the next bytes right here, within REPLY_BUDGET.
        """
        receiver = self._receiver
        deadline = time.monotonic() + REPLY_BUDGET
        while receiver is not None and receiver.expects_reply() and not self._ended:
            if not self._poller.poll(REPLY_WAIT * 1000) or time.monotonic() > deadline:
                return
            for data in self._receive_waiting():
                receiver.on_data(data)
            self._arm_quickack()

    def _receive_waiting(self) -> list[bytes]:
        """Everything already received: small pieces joined (remote-pdb sends many small
        segments), big ones kept apart (joining megabytes only copies them).

        Returns nothing when the connection ended, after delivering the end.
        """
        pieces: list[bytes] = []
        while True:
            try:
                data = self._sock.recv(READ_SIZE, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError as error:
                self._deliver_end(_as_lost(error))
                return []
            if not data:
                if pieces:
                    break  # deliver what came first; the transport then reads the end
                self._deliver_end(None)
                return []
            pieces.append(data)
            if len(data) < READ_SIZE:
                break
        small = sum(map(len, pieces)) <= _JOIN_LIMIT
        return [b"".join(pieces)] if small and len(pieces) > 1 else pieces

    def eof_received(self) -> bool:
        self._deliver_end(None)
        return False

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.closed = True
        self._deliver_end(exc)

    def _deliver_end(self, exc: Optional[Exception]) -> None:
        if self._ended:
            return
        self._ended = True
        if not self.first_data.done():
            self.first_data.set_result(None)
        error = _as_lost(exc) if exc is not None else None
        if self._receiver is None:
            self._early_end = error
        else:
            self._receiver.on_end(error)

    def _arm_quickack(self) -> None:
        # Linux leaves quick-ack mode on its own; without it every remote-pdb reply stalls on
        # the server's Nagle waiting for our delayed ACK (docs/protocol.md section 2).
        if _QUICKACK is not None:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    # -- sending and closing -----------------------------------------------------------------

    def send_line(self, line: str, encoding: str = "utf-8") -> None:
        """Send one line followed by ``\\n`` (the transport sends at once when it can)."""
        check_line(line)
        if self._transport is None or self._transport.is_closing():
            raise ConnectionLost("the connection is closed")
        data = (line + "\n").encode(encoding)
        self._transport.write(data)
        self.bytes_sent += len(data)

    def bytes_waiting(self) -> bool:
        """True if received bytes already wait in the socket (nothing is consumed).

        Asked after a read that may end with a prompt: a prompt followed by more is not one.
        """
        if _FIONREAD is not None:
            with contextlib.suppress(OSError):
                return fcntl.ioctl(self._fd, _FIONREAD, _FOUR_BYTES) != _FOUR_BYTES
        try:
            return bool(self._sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except OSError:  # BlockingIOError: nothing waits
            return False

    def server_unread(self) -> Optional[int]:
        """For a connection made on another machine, what its helper says the server has not
        read of ours (None: not such a connection; this machine's kernel is asked instead)."""
        return None

    def peer_has_closed(self) -> bool:
        """True if the peer's EOF already waits in the receive buffer (nothing is consumed)."""
        if self._ended:
            return True
        try:
            return self._sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def close(self) -> None:
        """Close politely: drain the receive buffer first (unread bytes make Linux send RST)."""
        if self.closed:
            return
        self.closed = True
        if self._transport is None:
            self._sock.close()
            return
        self._transport.pause_reading()
        while True:
            try:
                if not self._sock.recv(READ_SIZE, socket.MSG_DONTWAIT):
                    break
            except OSError:
                break
        self._transport.close()


Address = tuple[int, int, int, tuple[object, ...]]


async def _addresses(host: str, port: int) -> list[Address]:
    """Where ``host:port`` is; a numeric address needs no resolver (and no thread for it)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, (host, port))]
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ConnectError(f"cannot resolve host {host!r}: {error.strerror}") from None
    except UnicodeError:  # the IDNA codec refuses the name (a control character, say)
        raise ConnectError(f"cannot resolve host {host!r}: not a valid host name") from None
    return [(family, kind, proto, address) for family, kind, proto, _, address in found]


async def _connect(sock: socket.socket, address: tuple[object, ...], timeout: float) -> None:
    """Connect; on loopback the answer (connected or refused) is usually immediate."""
    code = sock.connect_ex(address)
    if code == 0:
        return
    if code not in (errno.EINPROGRESS, errno.EAGAIN):
        raise OSError(code, os.strerror(code))
    await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, address), timeout)


class Receiver(Protocol):
    """Who a connection delivers to: bytes, then one end (``None``: EOF; else the error)."""

    def on_data(self, data: bytes) -> None: ...

    def on_end(self, error: Optional[ConnectionLost]) -> None: ...

    def expects_reply(self) -> bool:
        """True while a line was sent and its reply has not ended with a prompt."""


def _as_lost(exc: Exception) -> ConnectionLost:
    if isinstance(exc, _RESET_ERRORS):
        return ConnectionLost("the connection was reset by the debugger's side")
    if isinstance(exc, OSError) and exc.strerror:
        return ConnectionLost(f"the connection broke: {exc.strerror}")
    return ConnectionLost(f"the connection broke: {exc}")
