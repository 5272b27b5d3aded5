"""What the session learns from the debugger's output: breakpoints, the location, an ASCII server.

Owns reading pdb's output for facts the client acts on: the breakpoints set and deleted in this
session (a safe detach clears them, so a remote-pdb program does not stop again with nobody
reading), the current location ``> file(line)func()`` (the toolbar, cache invalidation), and
pdb's ``'ascii' codec`` errors (a server started with ``LANG=C``). Big replies pass through here,
so the common case is a few substring checks and no copy. Standard library only.
"""

from __future__ import annotations

import re
from typing import Optional

# Searched in "\n" + text: a literal first character lets the regex engine skip fast.
_BREAKPOINT_SET = re.compile(r"\nBreakpoint (\d+) at ([^\n]*)")
_BREAKPOINT_GONE = re.compile(r"\nDeleted breakpoint (\d+)")
_LOCATION = re.compile(r"^> (.+)$", re.M)
# pdb's `debug`: a nested debugger with a location of its own, until it is left (pdb prints no
# location then: the one from before is the program's again).
_NESTING = re.compile(r"^(ENTERING|LEAVING) RECURSIVE DEBUGGER\r?$", re.M)
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
"""IPython's debugger colours its location line; the location is kept as plain text."""
_TAIL = 200
"""How much of an unfinished line is kept, to see a line cut between two pieces."""


class OutputWatch:
    """Follows the output of one session, piece by piece (lines may come in pieces)."""

    def __init__(self) -> None:
        self.breakpoints: dict[int, str] = {}
        """Breakpoint number -> where pdb said it is (``/srv/app/views.py:14``)."""
        self.location: Optional[str] = None
        self._outer_locations: list[Optional[str]] = []
        self.speaks_ascii = False
        self._tail = ""

    def feed(self, text: str) -> bool:
        """Read more output; True the first time it shows the server speaks ASCII."""
        cut = text.rfind("\n") + 1
        tail = self._tail
        if not cut:
            self._tail = (tail + text[-_TAIL:])[-_TAIL:]
            return False
        self._tail = text[cut:][-_TAIL:]  # the unfinished last line
        head = tail + text[:_TAIL]  # a line cut at the end of the previous piece
        breakpoints = "reakpoint " in head or "reakpoint " in text
        location = head.startswith("> ") or "\n> " in head or "\n> " in text
        location = location or "RECURSIVE DEBUGGER" in head or "RECURSIVE DEBUGGER" in text
        ascii_error = not self.speaks_ascii and ("'ascii' codec" in head or "'ascii' codec" in text)
        if not (breakpoints or location or ascii_error):
            return False
        complete = tail + text[:cut]
        if breakpoints:
            self._follow_breakpoints("\n" + complete)
        if location:
            self._follow_location(_COLOUR.sub("", complete[-4096:]))
        if ascii_error:
            self.speaks_ascii = True
        return ascii_error

    def at_prompt(self) -> None:
        """A prompt ends whatever line was unfinished."""
        self._tail = ""

    def _follow_location(self, lines: str) -> None:
        """The last location shown, through the nested debuggers entered and left."""
        marks = [(m.start(), m.group(1), "") for m in _NESTING.finditer(lines)]
        marks += [(m.start(), "AT", m.group(1)) for m in _LOCATION.finditer(lines)]
        for _, what, where in sorted(marks):
            if what == "ENTERING":
                self._outer_locations.append(self.location)
            elif what == "LEAVING":
                if self._outer_locations:
                    self.location = self._outer_locations.pop()
            else:
                self.location = where

    def _follow_breakpoints(self, lines: str) -> None:
        for match in _BREAKPOINT_SET.finditer(lines):
            self.breakpoints[int(match.group(1))] = match.group(2).strip()
        for match in _BREAKPOINT_GONE.finditer(lines):
            self.breakpoints.pop(int(match.group(1)), None)
