"""The REPL's own keys: one factory, :func:`make_key_bindings`, over the REPL's actions.

Owns what Ctrl-C, Ctrl-D, F2, and Enter and Tab while a Python block is edited do. Everything
else (Emacs or vi editing, Ctrl-R search, the right arrow taking a suggestion, Tab completion)
is prompt_toolkit's own. These bindings are merged after prompt_toolkit's, so they win:

* Ctrl-C never ends the client and never reaches the debugger (there is no in-band interrupt,
  docs/protocol.md section 3): the REPL decides (:meth:`KeyActions.interrupt`);
* Ctrl-D on an empty line is "I am done" (:meth:`KeyActions.end_of_input`), a safe detach;
  on a line with text it deletes a character as usual;
* F2 toggles the client-side Python block mode;
* while a Python block is edited (Python mode, or ``interact``'s ``>>>``), Enter ends the block
  when it is complete, as Python's own REPL does: a complete one-line statement, or a blank last
  line after a compound one; otherwise it opens a new line, indented like the one before (four
  more after a ``:``). Escape then Enter (Meta-Enter) sends the block whatever its state.

Imports prompt_toolkit; must not import the session, the runner or the REPL (the actions are a
:class:`KeyActions` protocol).
"""

from __future__ import annotations

import codeop
import warnings
from typing import Protocol

from prompt_toolkit.application import get_app
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.enums import DEFAULT_BUFFER
from prompt_toolkit.filters import Condition, emacs_insert_mode, has_focus, vi_insert_mode
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

__all__ = ["INDENT", "KeyActions", "block_is_complete", "make_key_bindings"]

INDENT = "    "


class KeyActions(Protocol):
    """What the keys ask of the REPL."""

    @property
    def editing_block(self) -> bool:
        """A multi-line Python block is being edited (Enter may open a new line)."""

    def interrupt(self, buffer: Buffer) -> None:
        """Ctrl-C: clear the line; what else it means depends on the session's state."""

    def end_of_input(self) -> None:
        """Ctrl-D on an empty line: leave safely."""

    def toggle_python_mode(self) -> None:
        """F2: the client-side Python block mode on or off."""


def block_is_complete(text: str) -> bool:
    """Whether Enter at the end of ``text`` should send it, as Python's REPL decides.

    A syntax error counts as complete: the debugger says what is wrong, in its own Python.
    """
    lines = text.split("\n")
    if not text.strip() or (len(lines) > 1 and not lines[-1].strip()):
        return True
    if len(lines) > 1:
        return False  # a compound statement ends with a blank line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of the typed code are not ours
        try:
            return codeop.compile_command(text, "<input>", "single") is not None
        except (SyntaxError, ValueError, OverflowError):
            return True


def make_key_bindings(actions: KeyActions) -> KeyBindings:
    """The bindings described in the module docstring."""
    kb = KeyBindings()
    default_focused = has_focus(DEFAULT_BUFFER)
    insert_mode = emacs_insert_mode | vi_insert_mode
    editing_block = Condition(lambda: actions.editing_block) & default_focused & insert_mode

    @Condition
    def empty_line() -> bool:
        return not get_app().current_buffer.text

    @Condition
    def blank_before_cursor() -> bool:
        return not get_app().current_buffer.document.current_line_before_cursor.strip()

    @kb.add("c-c", filter=default_focused)
    def _interrupt(event: KeyPressEvent) -> None:
        actions.interrupt(event.current_buffer)

    @kb.add("c-d", filter=default_focused & empty_line)
    def _end_of_input(event: KeyPressEvent) -> None:
        actions.end_of_input()

    @kb.add("f2")
    def _toggle_python(event: KeyPressEvent) -> None:
        actions.toggle_python_mode()

    @kb.add("enter", filter=editing_block)
    def _enter_in_block(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.document.is_cursor_at_the_end and block_is_complete(buffer.text):
            buffer.validate_and_handle()
            return
        before = buffer.document.current_line_before_cursor
        buffer.newline(copy_margin=True)
        if before.rstrip().endswith(":"):
            buffer.insert_text(INDENT)

    @kb.add("tab", filter=editing_block & blank_before_cursor)
    def _indent(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text(INDENT)

    return kb
