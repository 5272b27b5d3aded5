"""A line pdb failed to compile, and the lines of its block that must not follow it.

Owns :class:`FailedBlock`, the session machine's note of "pdb answered the last line with a
``SyntaxError`` or an ``IndentationError``" (docs/protocol.md section 3): pdb strips each line and
runs it as a statement of its own, so the body of a failed ``if False:`` would run
unconditionally; the queued lines that go on that block are dropped instead. Python 3.13's pdb
reads a block itself (after a ``...`` prompt) and fails none of it. Imports the vocabulary's block
rule, the parser's events, the session actions and the wording.
"""

from __future__ import annotations

from collections import deque
from typing import Optional

from rpdb_client.engine import wording
from rpdb_client.engine.session_actions import Action, Notice
from rpdb_client.vocabulary.risks import continues_block
from rpdb_client.wire.parser import Event, Output, Prompt

__all__ = ["FailedBlock"]

_LINE_FAILED = ("*** SyntaxError", "*** IndentationError")
"""How pdb says a line was not Python it could compile."""


class FailedBlock:
    """Whether the last line sent failed; reset by every line sent."""

    def __init__(self) -> None:
        self.failed = False

    def sent(self) -> None:
        self.failed = False

    def drop_after(
        self, events: list[Event], prompt: Optional[Prompt], queue: deque[str]
    ) -> list[Action]:
        """Read a reply's ``events`` to a line sent at ``prompt`` (None: a side query's); when
        pdb failed the line, drop the queued lines of its block, and say so."""
        if self.failed or prompt is None or not prompt.kind.is_debugger:
            return []
        texts = [event.text for event in events if isinstance(event, Output)]
        if not any(error in text for text in texts for error in _LINE_FAILED):
            return []
        self.failed = True
        dropped = 0
        while queue and continues_block(queue[0]):
            queue.popleft()
            dropped += 1
        return [Notice(wording.block_lines_not_sent(dropped))] if dropped else []

    def refuse(self, line: str, queue: deque[str]) -> list[Action]:
        """A line typed after the failure that goes on the failed block (nothing queued
        between) is not sent: what to say instead, or [] to send it."""
        if self.failed and not queue and continues_block(line):
            return [Notice(wording.block_lines_not_sent(1))]
        return []
