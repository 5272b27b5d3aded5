"""Finding TCP sockets on this machine without ever connecting to them.

Owns everything that reads the kernel's socket tables: the list of listening TCP sockets (with
their backlog, which is how a waiting debugger is told apart from a web server) and the lookup of
one connection by its address pair (which is how the client learns, without sending a byte, which
socket and so which process it is talking to).

Connecting to a waiting debugger is destructive: the server accepts the probe as its client and
reads the close as ``quit`` (docs/protocol.md section 5). So nothing here opens a TCP connection;
it asks the kernel through sock_diag netlink, and falls back to ``/proc/net/tcp`` and
``/proc/net/tcp6`` when netlink is unavailable (no ``inet_diag`` module, a seccomp filter).

Standard library only (``socket`` and ``struct``), Python 3.7 or newer, no import from the rest
of the package; never connects, never prints (see :mod:`rpdb_client.host`).
"""

from __future__ import annotations

import errno
import socket
import struct
from dataclasses import dataclass
from typing import Iterator, Optional

__all__ = [
    "Listener",
    "NetlinkUnavailable",
    "SocketInfo",
    "accepted_per_port",
    "find_connection",
    "list_listeners",
    "same_host",
]

# Constants from <linux/netlink.h>, <linux/sock_diag.h>, <linux/inet_diag.h> and <net/tcp_states.h>.
# The socket module does not export NETLINK_SOCK_DIAG (it is NETLINK_INET_DIAG, 4).
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLMSG_ERROR = 2
_NLMSG_DONE = 3
_NLM_F_REQUEST = 0x1
_NLM_F_DUMP = 0x300  # NLM_F_ROOT | NLM_F_MATCH
_TCP_ESTABLISHED = 1
_TCP_LISTEN = 10
_INET_DIAG_NOCOOKIE = 0xFFFFFFFF
_ALL_STATES = 0xFFFFFFFF

_NLMSGHDR = struct.Struct("=IHHII")  # len, type, flags, seq, pid
_REQ_HEAD = struct.Struct("=BBBxI")  # family, protocol, ext, pad, states
_PORTS = struct.Struct(">HH")  # sport, dport: network order, unlike the rest of the message
_IF_COOKIE = struct.Struct("=III")  # interface, cookie[2]
_MSG_HEAD = struct.Struct("=BBBB")  # family, state, timer, retrans
_MSG_TAIL = struct.Struct("=IIIII")  # expires, rqueue, wqueue, uid, inode
_MSG_TAIL_OFFSET = 52  # 4-byte head + 48-byte inet_diag_sockid
_MSG_SIZE = _MSG_TAIL_OFFSET + _MSG_TAIL.size  # sizeof(struct inet_diag_msg) == 72

# A dump's datagrams are at most 32 KiB on current kernels; a smaller buffer would truncate them.
_RECV_SIZE = 65536
_TIMEOUT = 2.0


@dataclass(frozen=True)
class Listener:
    """One listening TCP socket.

    ``backlog`` is the argument the owner gave to ``listen()`` (capped by ``somaxconn``); the
    three debugger servers all use 1. It is None when it could not be read (``/proc`` fallback).
    ``queued`` is how many connections wait in the accept queue (None when unknown).
    """

    address: str
    port: int
    backlog: Optional[int]
    uid: int
    inode: int
    queued: Optional[int] = None


@dataclass(frozen=True)
class SocketInfo:
    """One TCP socket found by its exact address pair.

    ``inode`` is 0 while the connection sits in the server's accept queue (the kernel has no file
    for it until ``accept()``) and for a socket in TIME_WAIT.
    """

    local: tuple[str, int]
    remote: tuple[str, int]
    state: int
    uid: int
    inode: int


class NetlinkUnavailable(OSError):
    """sock_diag could not be used; callers fall back to ``/proc/net``."""


def _pack_address(family: int, host: str) -> bytes:
    """The 16-byte ``idiag_src``/``idiag_dst`` field for an address."""
    packed = socket.inet_pton(family, host.split("%", 1)[0])
    return packed.ljust(16, b"\0")


def _unpack_address(family: int, raw: bytes) -> str:
    if family == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, raw[:4])
    return socket.inet_ntop(socket.AF_INET6, raw[:16])


def _request(
    family: int,
    *,
    states: int,
    dump: bool,
    src: bytes = bytes(16),
    dst: bytes = bytes(16),
    ports: tuple[int, int] = (0, 0),
    interface: int = 0,
) -> bytes:
    """An ``nlmsghdr`` + ``inet_diag_req_v2`` for TCP sockets of one family."""
    body = (
        _REQ_HEAD.pack(family, socket.IPPROTO_TCP, 0, states)
        + _PORTS.pack(*ports)
        + src
        + dst
        + _IF_COOKIE.pack(interface, _INET_DIAG_NOCOOKIE, _INET_DIAG_NOCOOKIE)
    )
    flags = _NLM_F_REQUEST | (_NLM_F_DUMP if dump else 0)
    return _NLMSGHDR.pack(_NLMSGHDR.size + len(body), _SOCK_DIAG_BY_FAMILY, flags, 1, 0) + body


def _netlink_messages(request: bytes) -> Iterator[bytes]:
    """Send one sock_diag request; yield the payload of every ``inet_diag_msg`` in the answer.

    Raises ``NetlinkUnavailable`` when netlink itself fails, ``FileNotFoundError`` when the kernel
    answers ENOENT (an exact lookup that found nothing).
    """
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG)
    except (OSError, AttributeError) as exc:  # AttributeError: no AF_NETLINK off Linux
        raise NetlinkUnavailable(str(exc)) from exc
    with sock:
        dump = bool(_NLMSGHDR.unpack_from(request)[2] & _NLM_F_DUMP)
        try:
            sock.settimeout(_TIMEOUT)  # the kernel answers at once; never hang on a broken one
            sock.sendto(request, (0, 0))
        except OSError as exc:
            raise NetlinkUnavailable(str(exc)) from exc
        while True:
            try:
                data = sock.recv(_RECV_SIZE)
            except OSError as exc:
                raise NetlinkUnavailable(str(exc)) from exc
            offset = 0
            while offset + _NLMSGHDR.size <= len(data):
                length, kind = _NLMSGHDR.unpack_from(data, offset)[:2]
                if length < _NLMSGHDR.size:
                    return
                payload = data[offset + _NLMSGHDR.size : offset + length]
                if kind == _NLMSG_DONE:
                    return
                if kind == _NLMSG_ERROR:
                    code = -struct.unpack_from("=i", payload)[0]
                    if code == 0:
                        return
                    if code == errno.ENOENT:
                        raise FileNotFoundError(code, "no such socket")
                    raise NetlinkUnavailable(code, errno.errorcode.get(code, str(code)))
                if kind == _SOCK_DIAG_BY_FAMILY and len(payload) >= _MSG_SIZE:
                    yield payload
                offset += (length + 3) & ~3  # NLMSG_ALIGN
            if not dump:  # an exact lookup answers with one datagram and no NLMSG_DONE
                return


def _listeners_netlink() -> list[Listener]:
    found: list[Listener] = []
    for family in (socket.AF_INET, socket.AF_INET6):
        request = _request(family, states=1 << _TCP_LISTEN, dump=True)
        try:
            messages = list(_netlink_messages(request))
        except NetlinkUnavailable:
            if family == socket.AF_INET:
                raise
            continue  # a kernel without IPv6 may refuse the AF_INET6 query
        for msg in messages:
            fam, state = _MSG_HEAD.unpack_from(msg)[:2]
            if state != _TCP_LISTEN:
                continue
            port = _PORTS.unpack_from(msg, 4)[0]
            rqueue, wqueue, uid, inode = _MSG_TAIL.unpack_from(msg, _MSG_TAIL_OFFSET)[1:]
            address = _unpack_address(fam, msg[8:24])
            found.append(Listener(address, port, wqueue, uid, inode, rqueue))
    return found


def _proc_address(field: str) -> tuple[str, int]:
    """``0100007F:1F90`` from ``/proc/net/tcp``: the address is 32-bit words in host order."""
    host, port = field.split(":")
    raw = b"".join(struct.pack("=I", int(host[i : i + 8], 16)) for i in range(0, len(host), 8))
    family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, raw), int(port, 16)


def _proc_rows() -> Iterator[tuple[tuple[str, int], tuple[str, int], int, int, int]]:
    """(local, remote, state, uid, inode) for every row of ``/proc/net/tcp`` and ``tcp6``."""
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name, encoding="ascii") as table:
                lines = table.readlines()[1:]
        except OSError:  # no IPv6 in this kernel, or no /proc at all
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10:
                continue
            local, remote = _proc_address(fields[1]), _proc_address(fields[2])
            yield local, remote, int(fields[3], 16), int(fields[7]), int(fields[9])


def _listeners_proc() -> list[Listener]:
    # tx_queue reads 0 for every listener on current kernels, so the backlog stays unknown.
    return [
        Listener(local[0], local[1], None, uid, inode)
        for local, _remote, state, uid, inode in _proc_rows()
        if state == _TCP_LISTEN
    ]


def accepted_per_port() -> dict[int, int]:
    """How many accepted, still open connections each local TCP port has.

    rpdb and celery keep listening during a session, so their listener alone cannot tell a
    waiting debugger from one in use; an accepted connection on its port can. Costs a few ms
    (the kernel walks its whole connection table); empty when netlink is unavailable.
    """
    counts: dict[int, int] = {}
    try:
        for family in (socket.AF_INET, socket.AF_INET6):
            request = _request(family, states=1 << _TCP_ESTABLISHED, dump=True)
            for msg in _netlink_messages(request):
                # Inode 0: still in the accept queue, or not a socket of any process.
                if _MSG_TAIL.unpack_from(msg, _MSG_TAIL_OFFSET)[4]:
                    port = _PORTS.unpack_from(msg, 4)[0]
                    counts[port] = counts.get(port, 0) + 1
    except (NetlinkUnavailable, FileNotFoundError):
        return {}
    return counts


def list_listeners() -> list[Listener]:
    """Every listening TCP socket in this network namespace, IPv4 then IPv6.

    Reads kernel state only; never connects. Sockets of every user are listed (the kernel shows
    them all), whether or not their process can be identified later.
    """
    try:
        return _listeners_netlink()
    except (NetlinkUnavailable, FileNotFoundError):
        return _listeners_proc()


def _family_of(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _interface_of(host: str) -> int:
    """The scope of a link-local address such as ``fe80::1%eth0``; 0 for any other."""
    if "%" not in host:
        return 0
    scope = host.split("%", 1)[1]
    try:
        return int(scope) if scope.isdigit() else socket.if_nametoindex(scope)
    except OSError:
        return 0


def _connection_netlink(local: tuple[str, int], remote: tuple[str, int]) -> Optional[SocketInfo]:
    family = _family_of(remote[0])
    request = _request(
        family,
        states=_ALL_STATES,
        dump=False,
        # The server's end has our peer as its source and our own address as its destination.
        src=_pack_address(family, remote[0]),
        dst=_pack_address(family, local[0]),
        ports=(remote[1], local[1]),
        interface=_interface_of(remote[0]),
    )
    try:
        for msg in _netlink_messages(request):
            fam, state = _MSG_HEAD.unpack_from(msg)[:2]
            sport, dport = _PORTS.unpack_from(msg, 4)
            uid, inode = _MSG_TAIL.unpack_from(msg, _MSG_TAIL_OFFSET)[3:]
            if state == _TCP_LISTEN:  # the kernel's lookup falls back to a listener on src
                return None
            src, dst = _unpack_address(fam, msg[8:24]), _unpack_address(fam, msg[24:40])
            return SocketInfo((src, sport), (dst, dport), state, uid, inode)
    except FileNotFoundError:
        return None
    return None


def same_host(a: str, b: str) -> bool:
    """Address equality that sees ``::ffff:127.0.0.1`` and ``127.0.0.1`` as the same host."""
    a, b = a.split("%", 1)[0], b.split("%", 1)[0]
    if a.lower().startswith("::ffff:") and "." in a:
        a = a[7:]
    if b.lower().startswith("::ffff:") and "." in b:
        b = b[7:]
    if a == b:
        return True
    try:
        return socket.inet_pton(_family_of(a), a) == socket.inet_pton(_family_of(b), b)
    except OSError:
        return False


def _connection_proc(local: tuple[str, int], remote: tuple[str, int]) -> Optional[SocketInfo]:
    for src, dst, state, uid, inode in _proc_rows():
        if src[1] != remote[1] or dst[1] != local[1]:
            continue
        if same_host(src[0], remote[0]) and same_host(dst[0], local[0]):
            return SocketInfo(src, dst, state, uid, inode)
    return None


def find_connection(local: tuple[str, int], remote: tuple[str, int]) -> Optional[SocketInfo]:
    """The *server's* end of a connection, given the client socket's own addresses.

    Pass ``sock.getsockname()`` and ``sock.getpeername()`` (IPv6 four-tuples are accepted: only
    the first two items are used). The answer's ``inode`` and ``uid`` name the socket's owner;
    None when no such socket exists. One exact netlink lookup, independent of how many sockets
    the machine has; the ``/proc/net`` fallback reads the whole table.
    """
    local, remote = (str(local[0]), int(local[1])), (str(remote[0]), int(remote[1]))
    try:
        return _connection_netlink(local, remote)
    except NetlinkUnavailable:
        return _connection_proc(local, remote)
