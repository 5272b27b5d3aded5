"""What the helper on the far side watches in a relayed session, to leave it safely on its own.

Owns the far side's share of docs/protocol.md section 4 when the channel to the client is gone
(the laptop asleep, the network down, ``ssh`` killed): the helper then does what the client does
on SIGHUP. At the next prompt it answers a ``(com)`` prompt with ``end`` and a question with
``n``, clears the breakpoints it saw set (``cl N ..``), sends ``c`` and closes after a second's
drain. At a Python prompt (``interact``, ``>>>``) there is no safe way out, so it closes, as the
client does. A session whose last typed line was ``c`` already runs on: it closes after the
drain. Until the channel drops it only watches: every byte goes through unchanged.

No I/O: the agent feeds it bytes and the time, and acts on what it returns. Standard library
only, Python 3.7 or newer.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

DRAIN = 1.0
"""Seconds from the detach's ``c`` to the close, as the client's own drain."""
CONTINUES = 3
"""The most ``c`` sent on the client's behalf: a pdb that keeps prompting is then closed."""
_KEEP = 4096
_MESSAGE = 64
"""Enough of the previous read to hold the start of a cut ``Deleted breakpoint N``."""

_BREAKPOINT_SET = re.compile(r"(?:^|\n)Breakpoint (\d+) at ")
_BREAKPOINT_GONE = re.compile(r"(?:^|\n)Deleted breakpoint (\d+)")
_COLOUR = re.compile(r"\x1b\[[0-9;]*m|[\x01\x02]")
_PROMPTS = (
    ("commands", r"\((?:com|com\+\+)\) "),
    ("python", r"(?:>>>|\.\.\.|In \[\d+\]:|   \.\.\.:) "),
    ("debugger", r"\(*\(Pdb(?:\+\+)?\)\)* |i?pdb> |ipdb> "),
    ("question", r"[^\n]*\? "),
)
_CONTINUE_WORDS = frozenset({"c", "cont", "continue"})


class Relay:
    """One relayed connection's safety watch: the prompt it is at, the breakpoints it has."""

    def __init__(self, extra_prompts: Sequence[str] = ()) -> None:
        patterns = [(kind, re.compile("(?:^|\n)" + body + r"\Z")) for kind, body in _PROMPTS]
        patterns[2:2] = [("debugger", re.compile(extra + r"\Z")) for extra in extra_prompts]
        self._prompts = patterns
        self.breakpoints: set[int] = set()
        self._tail = b""
        """The end of what the debugger said since the last line sent (what a prompt ends)."""
        self._typed = ""
        self.last_line = ""
        self.heard_client = False
        """Whether the client sent anything: a connection it closes unheard is left safely."""
        self.abandoned = False
        self._continues = 0
        self.close_at: Optional[float] = None
        """When to close (a drain's end); None: not yet."""

    @property
    def prompt(self) -> Optional[str]:
        """The kind of prompt the output ends with (None: the program runs, or prints).

        Worked out when asked, not at every read: until the channel drops nobody asks, and
        the relay stays as cheap as copying bytes.
        """
        text = _COLOUR.sub("", self._tail.decode("utf-8", "replace"))
        return next((kind for kind, pattern in self._prompts if pattern.search(text)), None)

    # -- watching ----------------------------------------------------------------------------

    def from_debugger(self, data: bytes, now: float) -> bytes:
        """Note what the debugger said; once abandoned, the detach's next line (or b"")."""
        # With the end of the last read: a message cut in two between reads is still seen.
        window = self._tail[-_MESSAGE:] + data
        self._tail = (self._tail + data)[-_KEEP:]
        if b"reakpoint " in window:
            text = window.decode("utf-8", "replace")
            for number in _BREAKPOINT_SET.findall(text):
                self.breakpoints.add(int(number))
            for number in _BREAKPOINT_GONE.findall(text):
                self.breakpoints.discard(int(number))
        return self._step(now) if self.abandoned and self.prompt else b""

    def from_client(self, data: bytes) -> None:
        """Note a line the client sent (the last one tells whether the program now runs)."""
        self.heard_client = True
        self._typed += data.decode("utf-8", "replace")
        *lines, self._typed = self._typed.split("\n")
        if lines:
            self.last_line = lines[-1].strip()
            self._tail = b""

    # -- leaving on the client's behalf ------------------------------------------------------

    def abandon(self, now: float) -> bytes:
        """The channel is gone: the first line of the detach, if a prompt waits for one."""
        self.abandoned = True
        if self.prompt:
            return self._step(now)
        if self.last_line.split(" ")[0] in _CONTINUE_WORDS:
            self.close_at = now + DRAIN  # it runs on already: nothing of ours is left to read
        return b""

    def _step(self, now: float) -> bytes:
        kind, self._tail = self.prompt, b""
        if kind == "commands":
            return b"end\n"
        if kind == "question":
            return b"n\n"
        if kind == "python" or self._continues >= CONTINUES:
            self.close_at = now  # no safe way out of interact; or pdb keeps prompting
            return b""
        if self.breakpoints:
            numbers = " ".join(map(str, sorted(self.breakpoints)))
            self.breakpoints.clear()
            return ("cl " + numbers + "\n").encode()
        self._continues += 1
        if self.close_at is None:
            self.close_at = now + DRAIN
        return b"c\n"
