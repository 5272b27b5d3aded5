"""The connection to a debugger: connect, read, send one line, close politely.

Owns the socket and nothing else (PROTOCOL.md sections 2-5): host names, IPv4 and IPv6; re-arming
``TCP_QUICKACK`` after every read on Linux, which removes remote-pdb's 40 ms stalls; sending only
text lines ending in ``\\n``; closing without an RST. It raises the typed errors of
:mod:`rpdb_client.errors` and never prints or exits. Standard library only.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from typing import Optional

from rpdb_client.errors import ConnectError, ConnectionLost, ConnectionRefused

READ_SIZE = 256 * 1024
_QUICKACK: Optional[int] = getattr(socket, "TCP_QUICKACK", None)
_RESET_ERRORS = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)


class UnsendableLine(ValueError):
    """A line holds a character that must never reach the debugger (a control character)."""


def check_line(line: str) -> None:
    """Refuse what a remote pdb would choke on: control characters and line breaks inside."""
    for char in line:
        if (char < " " and char != "\t") or char == "\x7f":
            raise UnsendableLine(f"the line holds the control character {char!r}, not sent")


class Connection:
    """One TCP connection to a debugger's socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._loop = asyncio.get_running_loop()
        self.peer: tuple[str, int] = sock.getpeername()[:2]
        self.local: tuple[str, int] = sock.getsockname()[:2]
        self.closed = False
        self._arm_quickack()

    @classmethod
    async def open(cls, host: str, port: int, timeout: float = 5.0) -> Connection:
        """Connect to ``host:port``; ``ConnectionRefused`` when nothing listens there yet."""
        loop = asyncio.get_running_loop()
        try:
            addresses = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise ConnectError(f"cannot resolve host {host!r}: {error.strerror}") from None
        refused = False
        last_error: Optional[OSError] = None
        for family, kind, proto, _, address in addresses:
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            try:
                await asyncio.wait_for(loop.sock_connect(sock, address), timeout)
                return cls(sock)
            except ConnectionRefusedError:
                refused = True
            except _RESET_ERRORS:
                # A listener being closed can accept and reset inside connect(): "not yet".
                refused = True
            except asyncio.TimeoutError:
                last_error = TimeoutError(errno.ETIMEDOUT, "timed out")
            except OSError as error:
                last_error = error
            sock.close()
        if refused:
            raise ConnectionRefused(f"connection to {host}:{port} refused")
        reason = last_error.strerror if last_error and last_error.strerror else str(last_error)
        raise ConnectError(f"cannot connect to {host}:{port}: {reason}")

    def _arm_quickack(self) -> None:
        # Linux leaves quick-ack mode on its own; without it every remote-pdb reply stalls on
        # the server's Nagle waiting for our delayed ACK (PROTOCOL.md section 2).
        if _QUICKACK is not None:
            with contextlib.suppress(OSError):
                self._sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    async def read(self, timeout: Optional[float] = None) -> Optional[bytes]:
        """The next bytes received; ``b""`` at end of stream; ``None`` if ``timeout`` passed."""
        try:
            if timeout is None:
                data = await self._loop.sock_recv(self._sock, READ_SIZE)
            else:
                data = await asyncio.wait_for(self._loop.sock_recv(self._sock, READ_SIZE), timeout)
        except asyncio.TimeoutError:
            return None
        except _RESET_ERRORS:
            raise ConnectionLost("the connection was reset by the debugger's side") from None
        except OSError as error:
            raise ConnectionLost(f"the connection broke: {error.strerror or error}") from None
        self._arm_quickack()
        return data

    def send_line(self, line: str, encoding: str = "utf-8") -> None:
        """Send one line followed by ``\\n``; the server is waiting, so this does not block."""
        check_line(line)
        data = (line + "\n").encode(encoding)
        try:
            sent = self._sock.send(data)
        except BlockingIOError:
            sent = 0
        except _RESET_ERRORS:
            raise ConnectionLost("the connection was reset by the debugger's side") from None
        except OSError as error:
            raise ConnectionLost(f"the connection broke: {error.strerror or error}") from None
        if sent < len(data):
            # Only a very long pasted line can fill the send buffer; finish it in the background.
            self._loop.create_task(self._loop.sock_sendall(self._sock, data[sent:]))

    def peer_has_closed(self) -> bool:
        """True if the peer's EOF already waits in the receive buffer (nothing is consumed)."""
        try:
            return self._sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _discard_received(self) -> None:
        """Read what already arrived, so that close() sends a FIN and not an RST."""
        while True:
            try:
                if not self._sock.recv(READ_SIZE):
                    return
            except OSError:
                return

    def close(self) -> None:
        """Close politely: drain the receive buffer first (unread bytes make Linux send RST)."""
        if self.closed:
            return
        self.closed = True
        self._discard_received()
        self._sock.close()
