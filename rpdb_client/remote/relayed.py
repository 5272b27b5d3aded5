"""A connection a helper made on another machine, as the session sees any connection.

Owns one relayed stream of a helper's channel (docs/protocol.md section 8): a
:class:`~rpdb_client.wire.connection.Connection` whose bytes come in the channel's frames
instead of from a socket of its own. The link (:mod:`rpdb_client.remote.link`) hands it each
frame in the event loop's read callback, so a prompt is answered as soon as it arrives, and it
sends each line as one frame. What cannot be asked of that machine's kernel from here (whether
the server has read our bytes) is the helper's business.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from rpdb_client.errors import ConnectionLost
from rpdb_client.host.frames import frame
from rpdb_client.wire.connection import Connection, check_line

if TYPE_CHECKING:
    from rpdb_client.remote.link import HelperLink


class RelayedConnection(Connection):
    """Stream ``stream`` of ``link``: made there, between ``local`` and ``peer``; ``facts``
    are what the helper read of the peer's process there (``host.identify.peer_facts``)."""

    def __init__(
        self,
        link: HelperLink,
        stream: int,
        local: tuple[str, int],
        peer: tuple[str, int],
        facts: dict[str, Any],
    ) -> None:
        # No socket of its own: only the state of delivering (Connection._start_delivery).
        self._link = link
        self.stream = stream
        self.facts = facts
        self.local, self.peer, self.place = local, peer, link.target.name
        self._start_delivery()
        self._unread_answer: tuple[int, Optional[int]] = (-1, None)
        self._asking = False

    @property
    def link(self) -> HelperLink:
        return self._link

    # -- from the link -----------------------------------------------------------------------

    def deliver(self, data: bytes) -> None:
        """A frame of the debugger's bytes."""
        self.data_received(data)

    def deliver_end(self, error: Optional[ConnectionLost] = None) -> None:
        """The debugger's end of the connection (or the channel's: ``error``)."""
        self.closed = True
        self._deliver_end(error)

    def expects_reply(self) -> bool:
        receiver = self._receiver
        return receiver is not None and not self._ended and receiver.expects_reply()

    def _arm_quickack(self) -> None:
        pass  # the helper re-arms it there, on the real socket

    def _read_rest_of_reply(self) -> None:
        pass  # the link waits for the rest of a reply, for every stream of its channel

    # -- what the session asks ---------------------------------------------------------------

    def send_line(self, line: str, encoding: str = "utf-8") -> None:
        check_line(line)
        if self.closed or self._link.channel_gone:
            raise ConnectionLost("the connection is closed")
        data = (line + "\n").encode(encoding)
        self._link.write(frame(self.stream, data))
        self.bytes_sent += len(data)

    def bytes_waiting(self) -> bool:
        return self._link.waiting_for(self.stream, end=False)

    def peer_has_closed(self) -> bool:
        return self._ended or self._link.waiting_for(self.stream, end=True)

    def server_unread(self) -> Optional[int]:
        """The bytes sent that the server has not read, as the helper last said for what was
        sent so far; until it answers, 1 ("not yet"); None if it cannot know either.

        Asked often while a detach's ``c`` is being confirmed: one question is in flight at a
        time, answered within a round trip through the channel.
        """
        sent, unread = self._unread_answer
        if sent == self.bytes_sent and not unread:
            return unread  # all read (0), or the helper cannot know (None)
        if not self._asking:
            self._asking = True
            self._link.send_control(
                {"op": "unread", "stream": self.stream, "sent": self.bytes_sent}
            )
        return unread if sent == self.bytes_sent else 1

    def note_unread(self, sent: int, unread: Optional[int]) -> None:
        """The helper's answer to :meth:`server_unread`."""
        self._asking = False
        self._unread_answer = (sent, unread)

    def close(self) -> None:
        """Tell the helper: it closes there (politely), or leaves it safely if never used."""
        if self.closed:
            return
        self.closed = True
        self._link.write(frame(self.stream))
        self._link.forget(self.stream)
