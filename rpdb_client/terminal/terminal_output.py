"""The REPL's terminal output: prompt_toolkit's vt100 output, kept compact and safe to lose.

Owns :class:`CompactOutput`: the input line and toolbar stay right under the output (no cursor
position report needed), and a terminal that went away (its window closed: every write fails
with EIO) makes the output drop what it is given and tell the REPL once, instead of raising on
the way out of a session that must still detach safely. Imports prompt_toolkit only.
"""

from __future__ import annotations

from typing import Callable

from prompt_toolkit.output.vt100 import Vt100_Output

__all__ = ["CompactOutput"]


class CompactOutput(Vt100_Output):
    """A terminal output that keeps the input line and the toolbar right under the output.

    prompt_toolkit draws a bottom toolbar only once it knows the rows below the cursor, which a
    vt100 terminal tells through a cursor position report. The REPL reprints above its input
    line at every reply, which forgets that height, so the toolbar would vanish until the next
    report came back (flicker), and never show where reports are off (PROMPT_TOOLKIT_NO_CPR).
    "No rows below" keeps the layout as tall as it needs to be, toolbar included.
    """

    gone = False
    """The terminal went away (its window closed): nothing more can be shown."""
    on_gone: Callable[[], None] = staticmethod(lambda: None)
    """Called once, when the first write finds the terminal gone."""

    def get_rows_below_cursor_position(self) -> int:
        return 0

    def flush(self) -> None:
        """Write what was drawn; once the terminal is gone (EIO), drop it instead of raising.

        A closed window hangs up the terminal: every write then fails, and each failure would be
        a traceback on the way out of a session that must still detach safely.
        """
        if self.gone:
            self._buffer.clear()
            return
        try:
            super().flush()
        except OSError:
            self.gone = True
            self._buffer.clear()
            self.on_gone()
