"""Everything the REPL prints above its input line, and the ``:log`` transcript that mirrors it.

Owns :class:`Screen`: the debugger's output (coloured by
:class:`~rpdb_client.output.highlight.Renderer`), the sent lines echoed after their prompt (so the
scrollback reads like a terminal session), the client's notices, and the transcript file. Printing
is batched: whatever arrives in one turn of the event loop is printed with one write, after erasing
the input line and toolbar, which prompt_toolkit then draws again below. A 20 MB reply is a handful
of writes, not a quarter of a million lines. While a reply is *held* (for the pager,
:mod:`rpdb_client.terminal.pager`), the debugger's output is kept instead of printed, and logged
as it comes all the same.

Imports prompt_toolkit, the renderer, the input lexers, the transcript and the client's wording;
must not import the runner or the REPL, nor use the session.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Callable, Optional, Union

from prompt_toolkit.application import Application, run_in_terminal
from prompt_toolkit.formatted_text import PygmentsTokens, StyleAndTextTuples, to_formatted_text
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.renderer import print_formatted_text
from prompt_toolkit.styles import BaseStyle

from rpdb_client.engine import wording
from rpdb_client.output.highlight import Renderer
from rpdb_client.output.sanitize import make_visible
from rpdb_client.output.transcript import Transcript
from rpdb_client.terminal.lexer import PdbLexer, PdbPythonLexer

__all__ = ["PARTIAL_SHOW_SECONDS", "Printable", "Screen"]

PARTIAL_SHOW_SECONDS = 0.1
"""A line without its newline yet (``input("name: ")``) is shown after this much silence."""

Printable = Union[str, StyleAndTextTuples]
"""Text for the terminal: a ``str`` already coloured (ANSI), or fragments to style."""


class Screen:
    """The scrollback above the input line of ``app``; see the module docstring."""

    def __init__(
        self,
        app: Application[str],
        style: BaseStyle,
        depth: ColorDepth,
        renderer: Renderer,
        wall: Callable[[], float],
    ) -> None:
        self._app = app
        self._wall = wall  # the transcript's clock
        self._style = style
        self._depth = depth
        self.renderer = renderer
        self.transcript: Optional[Transcript] = None
        self._pending: list[Printable] = []
        self._scheduled = False
        self._partial_timer: Optional[asyncio.TimerHandle] = None
        self._echo_lexers = {False: PdbLexer(), True: PdbPythonLexer()}
        self._held: Optional[list[str]] = None
        self._held_size = 0
        self.hold_most = 4 * 1024 * 1024
        """A held reply growing past this many characters is printed, and no longer held."""

    # -- what is shown -----------------------------------------------------------------------

    def output(self, text: str) -> None:
        """Text the debugger printed (any piece of it)."""
        self.log(lambda log: log.output(text))
        shown = self.renderer.feed(text)
        if shown:
            self._show(shown)
        if self._partial_timer is not None:
            self._partial_timer.cancel()
            self._partial_timer = None
        if not text.endswith("\n"):
            loop = asyncio.get_running_loop()
            self._partial_timer = loop.call_later(PARTIAL_SHOW_SECONDS, self.end_output)

    def end_output(self) -> None:
        """Show the line the renderer holds back (a prompt came, or its newline may never)."""
        if self._partial_timer is not None:
            self._partial_timer.cancel()
            self._partial_timer = None
        tail = self.renderer.flush()
        if tail:
            self._show(tail if tail.endswith("\n") else tail + "\n")

    # -- holding a reply ---------------------------------------------------------------------

    def hold(self) -> None:
        """Keep the debugger's output from now on, instead of printing it."""
        self.release()
        self._held, self._held_size = [], 0

    def take_held(self) -> str:
        """What was held (the rest of the output is printed again)."""
        held, self._held = self._held, None
        return "".join(held or ())

    def release(self) -> None:
        """Print what was held, and hold no more."""
        held = self.take_held()
        if held:
            self.write(held)

    def _show(self, shown: str) -> None:
        if self._held is None:
            self.write(shown)
            return
        self._held.append(shown)
        self._held_size += len(shown)
        if self._held_size > self.hold_most:
            self.release()

    def sent(
        self, prompt: str, line: str, *, debugger: bool, python: bool, as_: Optional[str] = None
    ) -> None:
        """A line went to the debugger at ``prompt``: echo it, highlighted, after the prompt.

        ``as_`` is what the user wrote when that is not the line (a Python block, sent as one
        ``!`` statement): it is echoed instead, its later lines after ``...`` as they were typed.
        """
        self.end_output()
        self.renderer.set_hint(line if debugger else None)
        # The prompt is the server's text (a question may follow the program's output).
        echoed: StyleAndTextTuples = [("class:prompt", make_visible(prompt))]
        for number, written in enumerate((line if as_ is None else as_).split("\n")):
            if number:
                echoed.append(("class:prompt.python", "\n" + "... ".rjust(len(prompt))))
            tokens = PygmentsTokens(list(self._echo_lexers[python].get_tokens(written)))
            fragments = to_formatted_text(tokens)
            if fragments and fragments[-1][1].endswith("\n"):  # a lexer's own end of line
                fragments[-1] = (fragments[-1][0], fragments[-1][1][:-1])
            echoed += fragments
        self.write([*echoed, ("", "\n")])
        self.log(lambda log: log.user(line))

    def notice(self, text: str, *, warning: bool = False) -> None:
        """The client's own words (logged too); what they quote of other processes is shown."""
        style = "class:warning" if warning else "class:notice"
        self.write([(style, f"rpdb-connect: {make_visible(text)}\n")])
        self.log(lambda log: log.note(text))

    def bell(self) -> None:
        self.write("\a")

    def write(self, item: Printable) -> None:
        """Print ``item`` above the input line, with whatever else comes in this turn."""
        self._pending.append(item)
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no event loop: nothing is drawn, print at once
                self.flush()

    def flush(self) -> None:
        self._scheduled = False
        items, self._pending = self._pending, []
        app = self._app
        if not items:
            return
        if app.is_running and getattr(app, "_running_in_terminal", False):
            run_in_terminal(lambda: self._emit(items))  # an editor owns the terminal: after it
            return
        # Erase the input line and toolbar, print, and let the app draw them again below.
        # Unlike run_in_terminal() this leaves the terminal in raw mode, so keys typed during a
        # long reply are not echoed into it by the terminal driver.
        live = app.is_running
        if live:
            app.renderer.erase()
        self._emit(items)
        if live:
            app.invalidate()

    def _emit(self, items: Sequence[Printable]) -> None:
        output = self._app.output
        for item in items:
            if isinstance(item, str):
                output.write_raw(item)
            else:
                print_formatted_text(output, item, self._style, color_depth=self._depth)
        output.flush()

    # -- the transcript ----------------------------------------------------------------------

    def start_log(self, path: str, header: Optional[Callable[[Transcript], None]] = None) -> None:
        """Log to ``path`` from now on (appended), starting with ``header`` if given."""
        try:
            transcript = Transcript.open(path, self._wall)
        except OSError as error:
            self.notice(wording.cannot_log(path, error), warning=True)
            return
        self.close_log()
        self.transcript = transcript
        if header is not None:
            self.log(header)
        self.notice(wording.logging_to(transcript.path))
        if transcript.tightened_from is not None:
            self.notice(wording.tightened(path, transcript.tightened_from), warning=True)

    def stop_log(self) -> None:
        if self.transcript is None:
            self.notice(wording.LOG_USAGE)
            return
        path = self.transcript.path
        self.close_log()
        self.notice(wording.stopped_logging(path))

    def close_log(self) -> None:
        transcript, self.transcript = self.transcript, None
        if transcript is not None:
            with contextlib.suppress(OSError):
                transcript.close()

    def log(self, write: Callable[[Transcript], None]) -> None:
        """Write to the transcript if one is open; a failing file stops the logging, once."""
        transcript = self.transcript
        if transcript is None:
            return
        try:
            write(transcript)
        except OSError as error:
            self.transcript = None
            self.notice(wording.stopped_logging(transcript.path, error), warning=True)
