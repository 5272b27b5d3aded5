"""The framing between the client and its helper on another machine (docs/protocol.md section 8).

Owns the bytes of the channel that ``ssh`` or a container's ``exec`` gives the client: each frame
is a stream number (2 bytes) and a length (4 bytes), big-endian, then that many bytes. Stream 0
carries control messages, one JSON object each; every other stream is one connection to a
debugger, its frames the bytes relayed as they are, and a frame of length 0 its end. Also owns
turning the facts :mod:`.discovery` and :mod:`.processes` return into JSON and back, so both
sides agree on their shape.

Standard library only, Python 3.7 or newer (it runs on the far side too).
"""

from __future__ import annotations

import dataclasses
import json
import struct
from typing import Any, Dict, List, Optional, Tuple

from .input_encoding import InputEncoding
from .processes import ProcessInfo
from .worker_limits import WorkerTimeout

HEADER = struct.Struct(">HI")
CONTROL = 0
"""The stream of control messages."""
LARGEST = 1 << 20
"""The longest frame sent: a bigger piece of a reply goes in several."""


def frame(stream: int, payload: bytes = b"") -> bytes:
    """One frame; an empty payload on a debugger's stream is that connection's end."""
    return HEADER.pack(stream, len(payload)) + payload


def message(fields: Dict[str, Any]) -> bytes:
    """A control message as a frame."""
    return frame(CONTROL, json.dumps(fields, separators=(",", ":")).encode())


class FrameReader:
    """Cuts received bytes into frames, however they were split on the way."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> List[Tuple[int, bytes]]:
        """The frames completed by ``data``: (stream, payload) pairs."""
        if not self._buffer and len(data) >= HEADER.size:
            stream, length = HEADER.unpack_from(data)
            if len(data) == HEADER.size + length:  # one whole frame: most reads, no copy
                return [(stream, data[HEADER.size :])]
        self._buffer += data
        frames = []
        while len(self._buffer) >= HEADER.size:
            stream, length = HEADER.unpack_from(self._buffer)
            end = HEADER.size + length
            if len(self._buffer) < end:
                break
            frames.append((stream, bytes(self._buffer[HEADER.size : end])))
            del self._buffer[:end]
        return frames

    def headers_in(self, more: bytes) -> List[Tuple[int, int]]:
        """The (stream, length) of each frame begun in what is held and ``more``, not consumed."""
        data = bytes(self._buffer) + more
        found, at = [], 0
        while at + HEADER.size <= len(data):
            stream, length = HEADER.unpack_from(data, at)
            found.append((stream, length))
            at += HEADER.size + length
        return found


def decode(payload: bytes) -> Dict[str, Any]:
    """A control message's fields (an object; anything else is a broken channel)."""
    fields = json.loads(payload.decode())
    if not isinstance(fields, dict):
        raise ValueError("a control message is not an object")
    return fields


def plain(value: Any) -> Any:
    """A dataclass of this package as JSON-ready data (None stays None)."""
    return None if value is None else dataclasses.asdict(value)


def process_from(fields: Optional[Dict[str, Any]]) -> Optional[ProcessInfo]:
    if fields is None:
        return None
    return ProcessInfo(**dict(fields, argv=tuple(fields["argv"])))


def timeout_from(fields: Optional[Dict[str, Any]]) -> Optional[WorkerTimeout]:
    return None if fields is None else WorkerTimeout(**fields)


def encoding_from(fields: Optional[Dict[str, Any]]) -> Optional[InputEncoding]:
    return None if fields is None else InputEncoding(**fields)
