"""What the session learns from the debugger's output: breakpoints, the location, an ASCII server.

Owns reading pdb's output for facts the client acts on: the breakpoints set and deleted in this
session (a safe detach clears them, so a remote-pdb program does not stop again with nobody
reading), the current location ``> file(line)func()`` (the toolbar, cache invalidation), and
pdb's ``'ascii' codec`` errors (a server started with ``LANG=C``), the uncaught
``UnicodeDecodeError`` of pdb's own read, which ends the debugger, and the known failures of a
server's ``debug`` (docs/protocol.md section 1). Big replies pass through here,
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
_DEBUGGER_DIED = re.compile(r"^UnicodeDecodeError: '[\w-]+' codec can't decode", re.M)
"""The last line of an uncaught traceback (pdb's own errors start with ``*** ``): under uWSGI the
traceback of pdb's ``readline()`` reaches the client (docs/protocol.md section 3)."""
_KNOWN_FAILURES = {
    "keyword argument 'completekey'": "ipython-debug",
    "keyword argument 'Config'": "pdbpp-debug",
}
"""The TypeError of rpdb's ``debug`` with IPython's debugger (the program dies of it), and of
pdb++'s ``debug`` (pdb++ stops tracing: the next ``n`` runs the program on); by a key of
``wording.KNOWN_FAILURES``."""
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
        self.decode_killed_debugger = False
        """pdb's read of a line died with ``UnicodeDecodeError``: it will never prompt again."""
        self.known_failure: Optional[str] = None
        """The key of a known failure the output showed (``_KNOWN_FAILURES``), if any."""
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
        codec = "codec can't decode" in head or "codec can't decode" in text
        location = location or "RECURSIVE DEBUGGER" in head or "RECURSIVE DEBUGGER" in text
        ascii_error = not self.speaks_ascii and ("'ascii' codec" in head or "'ascii' codec" in text)
        if "keyword argument '" in head or "keyword argument '" in text:
            self._find_failure(tail + text)
        if not (breakpoints or location or ascii_error or codec):
            return False
        complete = tail + text[:cut]
        if codec and _DEBUGGER_DIED.search(complete):
            self.decode_killed_debugger = True
        if breakpoints:
            self._follow_breakpoints("\n" + complete)
        if location:
            self._follow_location(_COLOUR.sub("", complete[-4096:]))
        if ascii_error:
            self.speaks_ascii = True
        return ascii_error

    @property
    def partial_line(self) -> str:
        """The end of the output's unfinished last line ("" after a newline or a prompt)."""
        return self._tail

    def at_prompt(self) -> None:
        """A prompt ends whatever line was unfinished."""
        self._tail = ""

    def _find_failure(self, text: str) -> None:
        for pattern, key in _KNOWN_FAILURES.items():
            if pattern in text:
                self.known_failure = key

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
