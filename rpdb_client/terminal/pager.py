"""A pager for long replies: ``help``, ``where`` of a deep stack, ``pp`` of a big object, ``ll``.

Owns :class:`ReplyPager`. The reply to a command that stays at the prompt is held (not printed)
until the next prompt; then, if it is taller than the screen, it goes to ``$PAGER`` (``less``
when unset, with ``LESS=-RXF`` as pgcli sets it: colours kept, the text left on the screen when
the pager quits, no pager for a reply that fits after all), else it is printed as usual. A reply
that is still coming after :data:`HOLD_SECONDS`, or grows past :data:`HOLD_MOST`, is printed as
it comes, as without a pager: a running ``!`` statement keeps its output live, and a 20 MB
reply is not kept in memory twice. With no pager program to run, the reply is printed.

Imports prompt_toolkit (to hand the terminal to the pager) and the standard library; the
screen's holding is :class:`~rpdb_client.terminal.screen.Screen`'s.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from typing import Callable, Optional

from prompt_toolkit.application import run_in_terminal

from rpdb_client.vocabulary.commands import Effect, command_word, find_command

__all__ = ["HOLD_MOST", "HOLD_SECONDS", "ReplyPager", "pages_reply_to"]

HOLD_SECONDS = 1.0
"""A reply not complete by then is shown as it comes (the program may be running code)."""
HOLD_MOST = 4 * 1024 * 1024
"""Characters held at most; a bigger reply is shown as it comes."""

_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def pages_reply_to(line: str) -> bool:
    """Whether the reply to ``line`` (sent at a debugger prompt) may be paged: a command after
    which the debugger prompts again at once, not one that lets the program run."""
    command = find_command(command_word(line.lstrip()))
    return command is None or command.effect is Effect.STAYS


def rows_needed(text: str, columns: int) -> int:
    """How many screen rows ``text`` takes at ``columns`` wide (colours take none)."""
    plain = _ESCAPES.sub("", text)
    width = max(columns, 1)
    return sum(max(1, -(-len(line) // width)) for line in plain.rstrip("\n").split("\n"))


class ReplyPager:
    """Decides, reply by reply, whether what the screen held goes to the pager.

    ``size`` gives the screen's (rows, columns); ``show`` prints text as the screen would;
    ``environ`` is the run's environment (``PAGER``, ``LESS``).
    """

    def __init__(
        self,
        enabled: bool,
        environ: Mapping[str, str],
        size: Callable[[], tuple[int, int]],
        show: Callable[[str], None],
    ) -> None:
        self.enabled = enabled
        self._environ = environ
        self._size = size
        self._show = show
        self.pages_shown = 0
        """How many replies went to the pager (tests read it)."""
        self._paging: Optional[asyncio.Future[None]] = None

    def command(self) -> Optional[list[str]]:
        """The pager to run, or None when there is none."""
        chosen = self._environ.get("PAGER")
        if chosen is not None:
            words = shlex.split(chosen)
            return words if words and shutil.which(words[0]) else None
        found = shutil.which("less") or shutil.which("more")
        return [found] if found else None

    def fits(self, text: str) -> bool:
        rows, columns = self._size()
        # The input line and the toolbar stay below the reply.
        return rows_needed(text, columns) <= max(rows - 2, 1)

    def reply(self, text: str) -> None:
        """A held reply is complete: page it when it is taller than the screen."""
        if not text:
            return
        argv = self.command() if self.enabled and not self.fits(text) else None
        if argv is None:
            self._show(text)
            return
        self.pages_shown += 1
        self._paging = asyncio.ensure_future(self._page(argv, text))

    async def _page(self, argv: list[str], text: str) -> None:
        env = dict(self._environ)
        env.setdefault("LESS", "-RXF")
        try:
            # The input is detached while the pager owns the terminal; the loop goes on (the
            # socket is read, timers fire) and what it prints waits for the pager to quit.
            await run_in_terminal(lambda: _run(argv, text, env), in_executor=True)
        except OSError:
            self._show(text)


def _run(argv: list[str], text: str, env: dict[str, str]) -> None:
    # A pager quit early (q before the end) closes its input: that is no error.
    subprocess.run(argv, input=text.encode("utf-8", "replace"), env=env, check=False)
