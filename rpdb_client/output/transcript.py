"""The ``:log FILE`` transcript: what was sent and what the debugger printed, with times.

Owns the transcript file's format. It is plain text, appended to (a second ``:log`` of the same
file adds to it), private because it holds whatever the debugged program printed: opened under the
rules of :mod:`rpdb_client.output.private_files` (created 0600, no symlink followed, a file or
directory another user controls refused, a 0644 file tightened).
Each session starts with a header line naming the target and the peer; every line after it has a
wall-clock time, then ``>`` for a line sent to the debugger or ``|`` for a line it printed::

    === 2025-11-24 07:31:02 session 1: target 127.0.0.1:4444, peer 127.0.0.1:4444 ===
    07:31:02.118 | > /srv/app.py(12)index()
    07:31:02.118 | -> return response
    07:31:04.530 > p request.path
    07:31:04.531 | '/orders'
    07:31:09.002 # session ended: the program continued

Received text loses its colour codes and other control characters (the file is for reading and
grepping); a line that arrives in pieces is written piece by piece as they come, after the time of
its first piece, so an 80 MB reply costs time linear in its size and memory bounded by one piece
(only an escape sequence cut by the end of a piece is held, at most :data:`MAX_HELD` characters).
Standard library only; must not import the session, the REPL or prompt_toolkit.
"""

from __future__ import annotations

import datetime
import os
import re
import time
from typing import IO, Callable, Optional

from rpdb_client.output.private_files import open_private
from rpdb_client.output.sanitize import has_controls, make_visible

__all__ = ["MAX_HELD", "Transcript"]

MAX_HELD = 4096
"""The longest unfinished escape sequence held until the next piece; a longer one is data."""

# Colour and other escape sequences, then any control character but tab and newline.
_ESCAPES = re.compile(r"\x1b\[[0-9;:?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_UNFINISHED = re.compile(r"\x1b(?:\[[0-9;:?]*[ -/]*)?")


def _plain(text: str) -> str:
    if not has_controls(text):
        return text  # nearly always, and a regex pass over megabytes is the slow part
    # What is left once escapes go is bidi controls: shown, as everywhere (\\u202e).
    return make_visible(_ESCAPES.sub("", text))


class Transcript:
    """An open transcript file; see the module docstring. Create with :meth:`open`.

    ``wall`` is the clock of the times written, in seconds since the epoch (the run's
    environment's: :attr:`rpdb_client.environment.Environment.wall`); they are local times.
    """

    def __init__(self, path: str, file: IO[str], wall: Callable[[], float]) -> None:
        self.path = path
        self._file = file
        self._wall = wall
        self._in_line = False  # a line of output is begun (its time written), not yet ended
        self._held = ""
        self.tightened_from: Optional[int] = None
        """The mode the file had when it was readable by others (it is 0600 now)."""

    @classmethod
    def open(cls, path: str, wall: Callable[[], float] = time.time) -> Transcript:
        """Open ``path`` for appending (created 0600); OSError if it cannot be or is refused."""
        path = os.path.expanduser(path)
        opened = open_private(path, write=True)
        try:
            file = os.fdopen(opened.fd, "a", encoding="utf-8", errors="replace", newline="\n")
        except BaseException:
            os.close(opened.fd)
            raise
        transcript = cls(path, file, wall)
        transcript.tightened_from = opened.tightened_from
        return transcript

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
        text, self._held = self._held + text, ""
        start = text.rfind("\x1b", max(0, len(text) - MAX_HELD))
        if start >= 0 and _UNFINISHED.fullmatch(text, start):
            text, self._held = text[:start], text[start:]
        if not text:
            return
        written: list[str] = []
        *ended, rest = text.split("\n")
        for piece in ended:
            written.append(f"{self._line_start()}{_plain(piece)}\n")
            self._in_line = False
        if rest:
            written.append(self._line_start() + _plain(rest))
        self._write("".join(written))

    def _line_start(self) -> str:
        if self._in_line:
            return ""
        self._in_line = True
        return f"{self._time()} | "

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
        """A line cut short by the next event (a prompt): end it, as a line of its own."""
        held, self._held = _plain(self._held), ""
        if held:
            self._write(self._line_start() + held)
        if self._in_line:
            self._in_line = False
            self._write("\n")

    def _write(self, text: str) -> None:
        # Flushed at once: the transcript is read while the session goes on (tail -f), and
        # a client killed mid-session must not lose what was already shown.
        self._file.write(text)
        self._file.flush()

    def _now(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(self._wall())

    def _time(self, when: Optional[datetime.datetime] = None) -> str:
        return (when or self._now()).strftime("%H:%M:%S.%f")[:-3]
