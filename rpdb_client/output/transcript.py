"""The ``:log FILE`` transcript: what was sent and what the debugger printed, with times.

Owns the transcript file's format. It is plain text, appended to (a second ``:log`` of the same
file adds to it), created with mode 0600 because it holds whatever the debugged program printed.
Each session starts with a header line naming the target and the peer; every line after it has a
wall-clock time, then ``>`` for a line sent to the debugger or ``|`` for a line it printed::

    === 2025-11-24 07:31:02 session 1: target 127.0.0.1:4444, peer 127.0.0.1:4444 ===
    07:31:02.118 | > /srv/app.py(12)index()
    07:31:02.118 | -> return response
    07:31:04.530 > p request.path
    07:31:04.531 | '/orders'
    07:31:09.002 # session ended: the program continued

Received text loses its colour codes and other control characters (the file is for reading and
grepping); a line that arrives in pieces is written once complete, with the time of its first
piece. Standard library only; must not import the session, the REPL or prompt_toolkit.
"""

from __future__ import annotations

import datetime
import os
import re
import time
from typing import IO, Callable, Optional

__all__ = ["Transcript"]

_FILE_MODE = 0o600
# Colour and other escape sequences, then any control character but tab and newline.
_ESCAPES = re.compile(r"\x1b\[[0-9;:?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _plain(text: str) -> str:
    return _ESCAPES.sub("", text)


class Transcript:
    """An open transcript file; see the module docstring. Create with :meth:`open`.

    ``wall`` is the clock of the times written, in seconds since the epoch (the run's
    environment's: :attr:`rpdb_client.environment.Environment.wall`); they are local times.
    """

    def __init__(self, path: str, file: IO[str], wall: Callable[[], float]) -> None:
        self.path = path
        self._file = file
        self._wall = wall
        self._partial = ""
        self._partial_time: Optional[datetime.datetime] = None

    @classmethod
    def open(cls, path: str, wall: Callable[[], float] = time.time) -> Transcript:
        """Open ``path`` for appending (created 0600); OSError if it cannot be."""
        path = os.path.expanduser(path)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, _FILE_MODE)
        try:
            file = os.fdopen(fd, "a", encoding="utf-8", errors="replace", newline="\n")
        except BaseException:
            os.close(fd)
            raise
        return cls(path, file, wall)

    def header(self, target: str, peer: str, number: int) -> None:
        """A session begins: ``number`` counts the sessions of this run."""
        self._end_partial()
        stamp = self._now().isoformat(sep=" ", timespec="seconds")
        self._write(f"=== {stamp} session {number}: target {target}, peer {peer} ===\n")

    def user(self, line: str) -> None:
        """A line sent to the debugger."""
        self._end_partial()
        self._write(f"{self._time()} > {_plain(line)}\n")

    def output(self, text: str) -> None:
        """Text the debugger printed (any piece of it: lines may be split anywhere)."""
        if not text:
            return
        if self._partial_time is None:
            self._partial_time = self._now()
        *complete, self._partial = (self._partial + text).split("\n")
        if not complete:
            return
        stamp = self._time(self._partial_time)
        self._write("".join(f"{stamp} | {_plain(line)}\n" for line in complete))
        self._partial_time = self._now() if self._partial else None

    def note(self, text: str) -> None:
        """Something the client says (how a session ended, a warning)."""
        self._end_partial()
        self._write("".join(f"{self._time()} # {_plain(line)}\n" for line in text.split("\n")))

    def close(self) -> None:
        """Write what is held and close the file."""
        try:
            self._end_partial()
        finally:
            self._file.close()

    def _end_partial(self) -> None:
        """A line cut short by the next event (a prompt): write it as a line of its own."""
        if self._partial:
            self._write(f"{self._time(self._partial_time)} | {_plain(self._partial)}\n")
        self._partial, self._partial_time = "", None

    def _write(self, text: str) -> None:
        # Flushed at once: the transcript is read while the session goes on (tail -f), and
        # a client killed mid-session must not lose what was already shown.
        self._file.write(text)
        self._file.flush()

    def _now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self._wall())

    def _time(self, when: Optional[datetime.datetime] = None) -> str:
        return (when or self._now()).strftime("%H:%M:%S.%f")[:-3]
