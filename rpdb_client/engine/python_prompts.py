"""Leaving a Python prompt safely, and the server's Python version that decides how.

Owns the detach's way out of the prompts where what is sent is Python, not a pdb command
(docs/protocol.md section 4): ``interact``'s ``>>> `` and Python 3.13's ``...   `` (the rest of a
statement begun at the pdb prompt), and what the session knows of the server's Python
(``sys.version_info[:2]``, learnt from a side query's reply or from the line the detach sends at
``>>> ``). Pure: text in, lines out; imports the standard library, ``wire``'s prompt kinds and the
vocabulary's risks.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Optional

from rpdb_client.vocabulary.risks import EXIT_RETURNS_FROM
from rpdb_client.wire.parser import Prompt, PromptKind

PythonVersion = tuple[int, int]

VERSION_AT_CONSOLE = "print(__import__('sys').version_info[:2])"
"""The version question at ``interact``'s ``>>> `` (the console's namespace is a copy); at pdb's
prompt, :mod:`rpdb_client.engine.program_python` asks it as a side query."""
_VERSION_REPLY = re.compile(r"^\((\d+), (\d+)\)$", re.M)
MULTI_LINE_INPUT = (3, 13)
"""From Python 3.13, pdb reads an unfinished statement on at ``...   `` (``Pdb.default``)."""


STATEMENT_END = "\n"
"""A blank line of piped input, queued: sent (as an empty line) only at a prompt that continues
a statement, where it ends one; dropped at pdb's own prompt, where it would repeat the last
command. No line the user sends contains a newline, so it is never mistaken for one."""


def drop_blanks(queue: deque[str], prompt: Prompt) -> bool:
    """Drop the queued blank lines of piped input that ``prompt`` would read as a command;
    True when a line is still queued."""
    if not prompt.kind.continues_statement:
        while queue and queue[0] == STATEMENT_END:
            queue.popleft()
    return bool(queue)


def parse_version(text: str) -> Optional[PythonVersion]:
    """The ``(3, 13)`` in a reply to :data:`VERSION_AT_CONSOLE`, or None."""
    found = _VERSION_REPLY.search(text.replace("\r\n", "\n"))
    return (int(found.group(1)), int(found.group(2))) if found else None


class PythonPrompts:
    """The session's knowledge of the server's Python, and the detach's line at its prompts."""

    def __init__(self) -> None:
        self.version: Optional[PythonVersion] = None
        """The server's ``sys.version_info[:2]``, once learnt."""
        self._asking = False
        self._ended_statement = False

    @property
    def exit_returns_to_pdb(self) -> bool:
        """``exit()`` at ``>>> `` goes back to pdb (Python 3.13 and later)."""
        return self.version is not None and self.version >= EXIT_RETURNS_FROM

    def feed(self, text: str) -> None:
        """Output of the session: the answer to the detach's question, when one was asked."""
        if self._asking:
            version = parse_version(text)
            if version is not None:
                self.version, self._asking = version, False

    def detach_line(self, prompt: Prompt) -> Optional[str]:
        """The next line of a safe way out of ``prompt``; None when there is none (close)."""
        if prompt.kind is PromptKind.PDB_MORE:
            if self._ended_statement:
                return None  # still unfinished (an open bracket or string): no line ends it
            self._ended_statement = True
            return ""  # ends a compound statement, as a console does at the end of input
        if prompt.kind is not PromptKind.PYTHON:
            return None  # `... ` and IPython's prompts: a line there goes on the statement
        if self.exit_returns_to_pdb:
            return "exit()"
        if self.version is None and not self._asking:
            self._asking = True  # once: a console that does not answer is left by closing
            return VERSION_AT_CONSOLE
        return None
