"""The helper the client runs on the far side of ``ssh`` or a container's ``exec``.

Owns the far end of the channel (docs/protocol.md section 8): it answers the client's control
messages with what this package reads from the kernel there (``list``: the debuggers waiting;
``open``: a connection to one, with the facts about its process), makes those connections
itself, knocking for ``--wait`` on its own machine so that no attempt costs a round trip, and
relays each connection's bytes in frames of its own stream, re-arming ``TCP_QUICKACK`` after
every read (docs/protocol.md section 2). If the channel drops, every session it relays is left
safely by :class:`.relay.Relay`, and it exits once they are closed.

It is started by the bootstrap of ``rpdb_client.remote.channel`` with this package's sources
sent over the channel, so nothing is installed on the far side. Standard library only, Python
3.7 or newer; it prints nothing but frames on stdout.
"""

from __future__ import annotations

import contextlib
import os
import platform
import selectors
import socket
import sys
import time
from typing import Any, Dict, List, Optional, Set, Tuple

from .discovery import ListenerScan, find_debuggers
from .frames import CONTROL, LARGEST, FrameReader, decode, frame, message
from .identify import peer_facts
from .listeners import list_listeners
from .processes import user_name
from .relay import Relay
from .server_queue import ServerQueue

KNOCK_PHASE = 0.02
"""For this long after a request the helper retries at once: a loop's next ``set_trace()``
listens a fraction of a millisecond after ``c`` (docs/protocol.md section 5)."""
KNOCK_PAUSE = 0.0002
LONGEST_PAUSE = 0.05
UNREACHABLE_PAUSE = 1.0
READ_SIZE = 64 * 1024
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


class Opening:
    """One ``open`` request: which listener, and when to try again while waiting."""

    def __init__(self, fields: Dict[str, Any], now: float) -> None:
        self.id = int(fields["id"])
        self.host = str(fields.get("host", "127.0.0.1"))
        self.port = int(fields.get("port", 0))
        self.wait = bool(fields.get("wait"))
        self.timeout = float(fields.get("timeout", 5.0))
        self.prompts = [str(prompt) for prompt in fields.get("prompts", ())]
        self.pids = tuple(int(pid) for pid in fields.get("pids", ()))
        scan, follow = fields.get("scan"), fields.get("follow")
        self.scan: Optional[ListenerScan] = None
        self.old: Set[int] = set()
        if scan is not None:
            self.scan = ListenerScan(self.pids, bool(scan.get("trust")))
        elif follow is not None:  # a followed program's next listener, not the one left
            self.scan = ListenerScan((int(follow["pid"]),), True)
            self.old = {entry.inode for entry in list_listeners() if entry.port == follow["port"]}
        self.port_too = bool(fields.get("port_too"))
        """With ``follow``: the port too, after the program's own listeners (it may have
        ended, and another process listen there)."""
        self.started = now
        self.next_try = now
        self.pause = 0.001
        self.said_unreachable = False

    def retry(self, now: float) -> None:
        if now - self.started < KNOCK_PHASE:
            self.next_try = now + KNOCK_PAUSE
            return
        self.next_try = now + self.pause
        self.pause = min(self.pause * 2, LONGEST_PAUSE)

    def addresses(self) -> List[Tuple[str, int]]:
        if self.scan is None:
            return [(self.host, self.port)]
        found = [
            (_connectable(entry.address), entry.port)
            for entry, _ in self.scan.waiting()
            if entry.inode not in self.old
        ]
        return [*found, (self.host, self.port)] if self.port_too else found


def _connectable(address: str) -> str:
    return {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address, address)


class Stream:
    """One relayed connection: its socket and its safety watch."""

    def __init__(self, number: int, sock: socket.socket, relay: Relay) -> None:
        self.number = number
        self.sock = sock
        self.relay = relay
        self.queue: Optional[ServerQueue] = None


class Agent:
    """The helper's loop: control messages, connections being made, streams relayed."""

    def __init__(self, read_fd: int = 0, write_fd: int = 1) -> None:
        self._in = read_fd
        self._out = write_fd
        self._reader = FrameReader()
        self._selector = selectors.DefaultSelector()
        self._selector.register(read_fd, selectors.EVENT_READ, None)
        self._openings: Dict[int, Opening] = {}
        self._streams: Dict[int, Stream] = {}
        self._dropped = False

    def serve(self) -> None:
        self._send(message(_hello()))
        while not (self._dropped and not self._streams):
            pause = self._due() if self._openings or self._dropped or self._closing() else None
            for key, _ in self._selector.select(pause):
                if key.data is None:
                    self._from_client()
                else:
                    self._from_debugger(key.data)

    def _closing(self) -> bool:
        return any(stream.relay.close_at is not None for stream in self._streams.values())

    def _due(self) -> Optional[float]:
        """Try the openings and close the drained streams that are due; the pause to the next.

        Only called while some are waiting: relaying a session's bytes costs no clock reads.
        """
        now = time.monotonic()
        for opening in [o for o in self._openings.values() if o.next_try <= now]:
            self._try_open(opening, now)
        for stream in list(self._streams.values()):
            if stream.relay.close_at is not None and stream.relay.close_at <= now:
                self._close(stream)
        now = time.monotonic()
        times = [o.next_try for o in self._openings.values()]
        times += [s.relay.close_at for s in self._streams.values() if s.relay.close_at is not None]
        return max(0.0, min(times) - now) if times else None

    # -- the channel -------------------------------------------------------------------------

    def _send(self, data: bytes) -> None:
        if self._dropped:
            return
        try:
            while data:
                data = data[os.write(self._out, data) :]
        except OSError:  # the channel is gone: the sessions are left safely
            self._drop()

    def _from_client(self) -> None:
        try:
            data = os.read(self._in, READ_SIZE)
        except OSError:
            data = b""
        if not data:
            self._drop()
            return
        for stream_number, payload in self._reader.feed(data):
            if stream_number == CONTROL:
                self._control(decode(payload))
                continue
            stream = self._streams.get(stream_number)
            if stream is None:
                continue
            if not payload and stream.relay.heard_client:
                self._close(stream)  # the client left, by its own safe way out
            elif not payload:  # closed unheard: a connection nobody took must go on safely
                self._to_debugger(stream, stream.relay.abandon(time.monotonic()))
            else:
                stream.relay.from_client(payload)
                self._to_debugger(stream, payload)

    def _drop(self) -> None:
        if self._dropped:
            return
        self._dropped = True
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(self._in)
        self._openings.clear()
        now = time.monotonic()
        for stream in list(self._streams.values()):
            self._to_debugger(stream, stream.relay.abandon(now))

    def _control(self, fields: Dict[str, Any]) -> None:
        operation = fields.get("op")
        if operation == "open":
            opening = Opening(fields, time.monotonic())
            self._openings[opening.id] = opening
        elif operation == "cancel":
            if self._openings.pop(int(fields["id"]), None) is not None:
                self._send(message({"failed": fields["id"], "kind": "cancelled"}))
        elif operation == "close":
            stream = self._streams.get(int(fields["stream"]))
            if stream is not None:
                self._close(stream)
        elif operation == "unread":
            self._unread(int(fields["stream"]), int(fields["sent"]))
        elif operation == "list":
            debuggers = [candidate.to_json() for candidate in find_debuggers()]
            self._send(message({"listed": fields.get("id"), "debuggers": debuggers}))

    # -- connecting --------------------------------------------------------------------------

    def _try_open(self, opening: Opening, now: float) -> None:
        refused = True
        problem = ""
        for host, port in opening.addresses():
            try:
                sock = socket.create_connection((host, port), opening.timeout)
            except (ConnectionRefusedError, ConnectionResetError):
                continue
            except OSError as error:
                refused, problem = False, error.strerror or str(error)
                continue
            del self._openings[opening.id]
            self._opened(opening, sock)
            return
        if not opening.wait:
            del self._openings[opening.id]
            kind = "refused" if refused else "unreachable"
            where = "no debugger is waiting" if opening.scan else f"port {opening.port}"
            self._send(message({"failed": opening.id, "kind": kind, "message": problem or where}))
            return
        if not refused:
            if not opening.said_unreachable:
                opening.said_unreachable = True
                self._send(message({"notice": opening.id, "message": problem}))
            opening.next_try = now + UNREACHABLE_PAUSE
            return
        opening.retry(now)

    def _opened(self, opening: Opening, sock: socket.socket) -> None:
        sock.setblocking(False)
        local, peer = sock.getsockname()[:2], sock.getpeername()[:2]
        stream = Stream(opening.id, sock, Relay(opening.prompts))
        self._streams[stream.number] = stream
        self._selector.register(sock, selectors.EVENT_READ, stream)
        self._arm(sock)
        self._send(
            message(
                {
                    "opened": opening.id,
                    "local": list(local),
                    "peer": list(peer),
                    "facts": peer_facts(local, peer, opening.pids),
                }
            )
        )

    def _unread(self, number: int, sent: int) -> None:
        """How much of the ``sent`` bytes the server has not read (the detach's ``c``
        confirmed, docs/protocol.md section 4): the kernel here knows, the client's cannot."""
        stream = self._streams.get(number)
        if stream is None:
            return
        if stream.queue is None:
            stream.queue = ServerQueue(stream.sock.getsockname()[:2], stream.sock.getpeername()[:2])
        self._send(message({"unread": number, "sent": sent, "bytes": stream.queue(sent)}))

    # -- relaying ----------------------------------------------------------------------------

    def _from_debugger(self, stream: Stream) -> None:
        try:
            data = stream.sock.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._send(_data_frames(stream.number, b""))
            self._forget(stream)
            return
        self._send(_data_frames(stream.number, data))
        self._arm(stream.sock)
        self._to_debugger(stream, stream.relay.from_debugger(data, time.monotonic()))

    def _to_debugger(self, stream: Stream, data: bytes) -> None:
        if not data:
            return
        try:
            sent = stream.sock.send(data)  # a line fits the socket's buffer: one system call
        except BlockingIOError:
            sent = 0
        except OSError:
            return  # its end comes through the read
        if sent < len(data):
            stream.sock.setblocking(True)
            try:
                stream.sock.sendall(data[sent:])
            except OSError:
                pass  # its end comes through the read
            finally:
                stream.sock.setblocking(False)

    def _arm(self, sock: socket.socket) -> None:
        if _QUICKACK is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    def _close(self, stream: Stream) -> None:
        """Close politely: what the debugger sent is read first (unread bytes make an RST)."""
        with contextlib.suppress(OSError):
            while stream.sock.recv(READ_SIZE, socket.MSG_DONTWAIT):
                pass
        self._send(_data_frames(stream.number, b""))
        self._forget(stream)

    def _forget(self, stream: Stream) -> None:
        self._streams.pop(stream.number, None)
        if stream.queue is not None:
            stream.queue.close()
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(stream.sock)
        stream.sock.close()


def _data_frames(number: int, data: bytes) -> bytes:
    if not data:
        return frame(number)
    return b"".join(frame(number, data[at : at + LARGEST]) for at in range(0, len(data), LARGEST))


def _hello() -> Dict[str, Any]:
    uid = os.getuid()
    return {
        "hello": 1,
        "python": platform.python_version(),
        "pid": os.getpid(),
        "uid": uid,
        "user": user_name(uid),
        "host": platform.node(),
    }


def serve() -> None:
    """Run the helper on stdin and stdout until the channel and every session are closed."""
    try:
        Agent().serve()
    except KeyboardInterrupt:
        sys.exit(1)
