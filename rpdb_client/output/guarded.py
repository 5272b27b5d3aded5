"""The client's own output streams, whose failures are reported instead of raised.

Owns :class:`GuardedStream`: a text stream (stdout, stderr) written through a wrapper that never
lets a failure of the client's own output reach the session that called it. A write raising
inside the session's read callback used to kill the connection, and the program with it
(``ConnectionResetError``, ``BdbQuit``). A reader that went away (``| head``: EPIPE), a full disk
(ENOSPC), a closed stream (``2>&-`` leaves ``sys.stderr`` None) are failures: the owner is told
once (``on_failure``), and later writes are dropped. A character the stream's encoding lacks is
not a failure: it is written as a backslash escape, and the owner is told once (``on_escaped``).

Standard library only.
"""

from __future__ import annotations

import contextlib
import os
from typing import Callable, Optional, TextIO

__all__ = ["GuardedStream", "why_it_failed"]


def why_it_failed(error: BaseException) -> str:
    """``Broken pipe``, ``No space left on device``: the reason in the system's words."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


class GuardedStream:
    """Writes to ``stream`` (None: closed from the start) until it fails once.

    ``name`` is what the stream is to the user ("standard output"); ``on_failure(name, why)`` is
    called once, at the first failure, after which every write and flush does nothing.
    """

    def __init__(
        self,
        stream: Optional[TextIO],
        name: str,
        on_failure: Callable[[str, str], None],
        on_escaped: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.name = name
        self.failed = False
        self._stream = stream
        self._on_failure = on_failure
        self._on_escaped = on_escaped
        self._escaped = False

    def write(self, text: str) -> None:
        if self.failed or not text:
            return
        stream = self._stream
        if stream is None:
            self._fail("it is closed")
            return
        try:
            stream.write(text)
        except UnicodeEncodeError:
            self._write_escaped(stream, text)
        except (OSError, ValueError) as error:  # ValueError: the stream was closed
            self._fail(why_it_failed(error))

    def flush(self) -> None:
        if self.failed:
            return
        if self._stream is None:
            self._fail("it is closed")
            return
        try:
            self._stream.flush()
        except (OSError, ValueError) as error:
            self._fail(why_it_failed(error))

    def _write_escaped(self, stream: TextIO, text: str) -> None:
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        except (OSError, ValueError) as error:  # UnicodeError is a ValueError
            self._fail(why_it_failed(error))
            return
        if not self._escaped and self._on_escaped is not None:
            self._escaped = True
            self._on_escaped(encoding)

    def _fail(self, why: str) -> None:
        self.failed = True
        self._silence()
        self._on_failure(self.name, why)

    def _silence(self) -> None:
        """Point the stream's descriptor at /dev/null: what it still holds is flushed at exit,
        and must not fail again there (Python would say so on stderr and exit 120)."""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            fd = self._stream.fileno()  # type: ignore[union-attr]
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
