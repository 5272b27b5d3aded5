"""How many bytes the server end of one connection has not read yet, asked again and again.

Owns the cheap, repeated form of :func:`~rpdb_client.host.listeners.find_connection`'s lookup
for one connection: sock_diag's ``idiag_rqueue`` of the server's socket, the bytes the debugger
has not read of what the client sent (docs/protocol.md section 5). 0 after a line was sent means
pdb read it: the detach's ``c`` was taken, or a prompt that came may be answered without a
second line waiting behind the first (rpdb and celery drop a line read together with another).

What was sent but has not even reached the server counts too: the server socket's
``tcpi_bytes_received`` (``INET_DIAG_INFO``, Linux 4.1+) against the bytes the client sent. Our
own send queue cannot tell, since a server that sends nothing back acknowledges late (delayed
ACK: 40 ms). One netlink socket and one request, made once: a question costs about 10 µs, where
``find_connection`` (a socket and a request each time) costs about 60 µs.

Standard library only, Python 3.7 or newer; never connects to the debugger, never prints.
"""

from __future__ import annotations

import socket
import sys
from typing import Optional

from .listeners import (
    _ALL_STATES,
    _MSG_TAIL_OFFSET,
    _NETLINK_SOCK_DIAG,
    _NLMSGHDR,
    _SOCK_DIAG_BY_FAMILY,
    _TCP_LISTEN,
    _family_of,
    _interface_of,
    _pack_address,
    _request,
)

_RQUEUE = _NLMSGHDR.size + _MSG_TAIL_OFFSET + 4  # after idiag_expires
_STATE = _NLMSGHDR.size + 1
_ATTRIBUTES = _NLMSGHDR.size + _MSG_TAIL_OFFSET + 20  # after the 72-byte inet_diag_msg
_EXT = _NLMSGHDR.size + 2  # inet_diag_req_v2.idiag_ext
_INET_DIAG_INFO = 2  # the attribute holding struct tcp_info
_BYTES_RECEIVED = 128  # tcp_info.tcpi_bytes_received, a u64 (Linux 4.1+)
_ANSWER_SIZE = 4096  # one inet_diag_msg: an exact lookup answers with a single datagram


class ServerQueue:
    """The server end's receive queue of the connection from ``local`` to ``remote``.

    Call it with the bytes the client sent so far, for those the server has not read yet (None
    when the kernel does not know such a socket: the server is on another machine, or netlink
    is unavailable); ``close()`` when done.
    """

    def __init__(self, local: tuple[str, int], remote: tuple[str, int]) -> None:
        family = _family_of(str(remote[0]))
        request = bytearray(
            _request(
                family,
                states=_ALL_STATES,
                dump=False,
                # The server's end has our peer as its source and our address as its destination.
                src=_pack_address(family, str(remote[0])),
                dst=_pack_address(family, str(local[0])),
                ports=(int(remote[1]), int(local[1])),
                interface=_interface_of(str(remote[0])),
            )
        )
        request[_EXT] = 1 << (_INET_DIAG_INFO - 1)
        self._request = bytes(request)
        self._answer = bytearray(_ANSWER_SIZE)
        self._sock: Optional[socket.socket] = None
        try:
            self._sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG)
            self._sock.settimeout(2.0)  # the kernel answers at once; never hang on a broken one
        except (OSError, AttributeError):  # AttributeError: no AF_NETLINK off Linux
            self._sock = None

    def __call__(self, sent: int) -> Optional[int]:
        sock = self._sock
        if sock is None:
            return None
        try:
            sock.send(self._request)
            size = sock.recv_into(self._answer)
        except OSError:
            return None
        kind = int.from_bytes(self._answer[4:6], sys.byteorder)
        if size < _RQUEUE + 4 or kind != _SOCK_DIAG_BY_FAMILY:
            return None  # an error answer: ENOENT, no such socket here
        if self._answer[_STATE] == _TCP_LISTEN:  # the lookup fell back to a listener
            return None
        unread = int.from_bytes(self._answer[_RQUEUE : _RQUEUE + 4], sys.byteorder)
        received = self._bytes_received(size)
        return unread if received is None else unread + max(0, sent - received)

    def _bytes_received(self, size: int) -> Optional[int]:
        """The server socket's ``tcpi_bytes_received`` from the answer's attributes."""
        answer, offset = self._answer, _ATTRIBUTES
        while offset + 4 <= size:
            length = int.from_bytes(answer[offset : offset + 2], sys.byteorder)
            kind = int.from_bytes(answer[offset + 2 : offset + 4], sys.byteorder)
            if length < 4:
                return None
            if kind == _INET_DIAG_INFO:
                end = offset + 4 + _BYTES_RECEIVED + 8
                if length < 4 + _BYTES_RECEIVED + 8 or end > size:
                    return None  # a kernel older than 4.1
                return int.from_bytes(answer[end - 8 : end], sys.byteorder)
            offset += (length + 3) & ~3  # RTA_ALIGN
        return None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
