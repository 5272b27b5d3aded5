"""The prompt_toolkit style of the REPL: one factory, :func:`make_style`.

Owns the look of the REPL's own elements; what the debugger prints is coloured by
:mod:`rpdb_client.output.highlight`. Imports prompt_toolkit and pygments (through ``render``, for
the same terminal-friendly pygments style as the output); nothing imports this module but the REPL.

Class names, for the fragments the prompt and toolbar factories emit (a dotted name carries
each of its prefixes too, so ``class:toolbar.state.lost`` is also ``toolbar.state``):

``prompt``
    every prompt; then one of ``prompt.pdb`` (``(Pdb)``, ``ipdb>``, ``(Pdb++)``),
    ``prompt.commands`` (``(com)`` inside ``commands N``), ``prompt.python`` (``>>>``, ``...``,
    ``In :`` inside ``interact``), ``prompt.question`` (a confirmation such as
    ``Clear all breaks?``).
``bottom-toolbar``
    prompt_toolkit's own class for the toolbar line: its background and default text.
``toolbar.target``
    the address the session is attached to.
``toolbar.state``
    the session's state; one of ``toolbar.state.at-prompt`` (the debugger waits for a command),
    ``toolbar.state.running`` (the program runs), ``toolbar.state.waiting`` (waiting for a
    debugger to listen) or ``toolbar.state.lost`` (the connection is gone).
``toolbar.elapsed``
    time spent in the current state.
``toolbar.location``
    the current ``file:line`` of the debugged program.
``toolbar.hint``
    the synopsis of the command being typed (``unt(il) [lineno]``), in place of the location.
``toolbar.warning``
    a warning that needs the user's eye (unsafe to quit, text sent before a prompt...).

Input highlighting uses the pygments classes (``class:pygments.keyword`` ...) of the chosen
``--style``, as built by prompt_toolkit's ``style_from_pygments_cls``.
"""

from __future__ import annotations

from prompt_toolkit.styles import BaseStyle, Style, merge_styles, style_from_pygments_cls

from rpdb_client.output.highlight import pygments_style, terminal_style

__all__ = ["make_style"]

# Prompts use the terminal's named colours: they follow the palette the user chose for the
# background. The toolbar brings its own background, so exact colours are safe there.
_COLOR_RULES = {
    "prompt": "bold",
    "prompt.pdb": "ansibrightblue",
    "prompt.commands": "ansimagenta",
    "prompt.python": "ansigreen",
    "prompt.question": "ansiyellow",
    "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
    "toolbar.target": "bold #ffffff",
    "toolbar.state": "bold",
    "toolbar.state.at-prompt": "#87d787",
    "toolbar.state.running": "#ffd75f",
    "toolbar.state.waiting": "#87afff",
    "toolbar.state.lost": "bg:#af0000 #ffffff",
    "toolbar.elapsed": "#a8a8a8",
    "toolbar.location": "#d7d7af",
    "toolbar.hint": "italic #d7d7af",
    "toolbar.warning": "bold #ff8700",
}

# Without colour (--color never, NO_COLOR) the states must still differ: by attributes only.
_MONOCHROME_RULES = {
    "prompt": "bold",
    "prompt.question": "underline",
    "bottom-toolbar": "reverse",
    "toolbar.target": "bold",
    "toolbar.state.at-prompt": "bold",
    "toolbar.state.running": "italic",
    "toolbar.state.waiting": "italic",
    "toolbar.state.lost": "bold noreverse",
    "toolbar.hint": "italic",
    "toolbar.warning": "bold underline",
}


def make_style(pygments_style_name: str, color: bool) -> BaseStyle:
    """The REPL's style: ``--style`` for input highlighting plus the classes above.

    An unknown style name raises :class:`rpdb_client.errors.UsageError`, as the renderer does.
    With *color* false there is no colour at all, input highlighting included.
    """
    if not color:
        pygments_style(pygments_style_name)  # a typo is reported whatever --color says
        return Style.from_dict(_MONOCHROME_RULES)
    return merge_styles(
        [
            style_from_pygments_cls(terminal_style(pygments_style_name)),
            Style.from_dict(_COLOR_RULES),  # last: the REPL's classes win over pygments'
        ]
    )
