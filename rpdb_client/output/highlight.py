"""The debugger's output, coloured for a terminal.

Owns how received text is shown: it is made safe (:mod:`rpdb_client.output.sanitize`, unless
``raw``), then each complete line is classified by cheap checks (first character, ``startswith``,
precompiled regexes) and coloured with pygments token types through a pygments style and
terminal formatter. A trailing partial line is held until its newline or :meth:`Renderer.flush`.

What is coloured: pdb's location line ``> /path/file.py(12)func()`` and ``where`` entries,
``--Return--``/``--Call--`` markers, the ``-> code`` line, listings from ``l``/``ll``/``source``
(``  12 B->\\tcode``), breakpoint messages, ``*** `` errors, Python tracebacks, and the replies to
``p``/``pp`` and the other commands the vocabulary marks ``repr_reply`` (see
:meth:`Renderer.set_hint`). Lines that already carry colour (IPython's
debugger) are passed through, not coloured again. The colour a style gives to plain text is
dropped (:func:`terminal_style`), so unhighlighted text keeps the terminal's own colour.

Speed bounds, so that a 20 MB reply shows about as fast as with ``cat``: pygments' lexers
(about 0.35 MB/s for Python) only see lines up to :data:`PYTHON_LINE_MAX` characters and at most
:data:`LEX_BUDGET` characters per reply (a line cache spares repeated lines); a chunk over
:data:`CHUNK_LIMIT` or a reply over :data:`REPLY_LIMIT` turns the rest of the reply into plain
sanitized text; a partial line over :data:`HOLD_MAX` is shown at once, plain.

Imports pygments and the pdb vocabulary; must not import prompt_toolkit (the REPL passes its
``ColorDepth``, a ``str`` enum, by value) so that it can be used and tested without a terminal.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Literal

from pygments.formatter import Formatter
from pygments.formatters import (
    Terminal256Formatter,
    TerminalFormatter,
    TerminalTrueColorFormatter,
)
from pygments.lexers import PythonLexer
from pygments.lexers.python import (
    PythonTracebackLexer,
)
from pygments.style import Style as PygmentsStyle
from pygments.styles import (
    get_all_styles,
    get_style_by_name,
)
from pygments.token import (
    Comment,
    Generic,
    Name,
    Number,
    Punctuation,
    String,
    Text,
    _TokenType,
)
from pygments.util import ClassNotFound

from rpdb_client.errors import UsageError
from rpdb_client.output.sanitize import Sanitizer
from rpdb_client.vocabulary.commands import find_command, split_command

__all__ = [
    "CHUNK_LIMIT",
    "DEFAULT_STYLE",
    "HOLD_MAX",
    "LEX_BUDGET",
    "PYTHON_LINE_MAX",
    "REPLY_LIMIT",
    "Renderer",
    "available_styles",
    "color_enabled",
    "pygments_style",
    "terminal_style",
]

DEFAULT_STYLE = "monokai"
"""Made for dark backgrounds, and its string, number and function colours stay far apart in
256 colours, so a location's path, line and function read as three things."""

CHUNK_LIMIT = 256 * 1024
"""A chunk longer than this (characters) is a bulk dump: the rest of its reply is shown plain."""
REPLY_LIMIT = 1024 * 1024
"""Past this many characters in one reply, the rest of the reply is shown plain."""
LEX_BUDGET = 32 * 1024
"""Characters per reply given to pygments' lexers (about 0.1 s of work); then code is plain."""
PYTHON_LINE_MAX = 400
"""Code longer than this is not lexed: a repr that long is read as data, not as code."""
HOLD_MAX = 4096
"""A partial line is held back up to this long; pdb's own lines are far shorter."""

_CACHE_MAX = 4096
# prompt_toolkit's ColorDepth values; DEPTH_1_BIT means no colour at all.
_DEPTHS = ("DEPTH_1_BIT", "DEPTH_4_BIT", "DEPTH_8_BIT", "DEPTH_24_BIT")

Tokens = list[tuple[_TokenType, str]]

# Written to match in linear time: the text is the debugged program's, and may be hostile.
_LOCATION = re.compile(r"(> |  )(.+)\((\d+)\)([^()\s]*)\(\)(->.*)?")
_LISTING = re.compile(r"( *\d+ ?)([B ])(->|>>)?(\t)(.*)")
_BREAKPOINT = re.compile(r"((?:Deleted |Disabled |Enabled )?[Bb]reakpoint )(\d+)( at )(.+)(:)(\d+)")
_MARKER = re.compile(r"--[A-Z][A-Za-z]*--")
_TRACEBACK_HEADER = "Traceback (most recent call last):"
_CHAINED = ("During handling of the above exception", "The above exception was the direct cause")


def color_enabled(
    mode: Literal["auto", "always", "never"], terminal: bool, env: Mapping[str, str]
) -> bool:
    """Whether to colour: ``--color`` *mode*, output to a *terminal* or not, environment *env*.

    ``auto`` colours a terminal unless ``NO_COLOR`` is set and non-empty (no-color.org) or
    ``TERM`` is ``dumb``; ``always`` and ``never`` ignore the environment.
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    if mode != "auto":
        raise ValueError(f"color mode must be auto, always or never, not {mode!r}")
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    return terminal


def available_styles() -> list[str]:
    """The names ``--style`` accepts: every pygments style installed, plugins included."""
    return sorted(get_all_styles())


def pygments_style(name: str) -> type[PygmentsStyle]:
    """The pygments style class called *name*; a :class:`UsageError` naming the choices if none."""
    try:
        style: type[PygmentsStyle] = get_style_by_name(name)
    except ClassNotFound:
        raise UsageError(
            f"Unknown style {name!r}.", hint="Styles: " + ", ".join(available_styles())
        ) from None
    return style


def terminal_style(name: str) -> type[PygmentsStyle]:
    """The pygments style *name* less its foreground for plain text.

    Styles colour plain text for their own background (monokai: near-white); on a terminal of
    another background that text would be unreadable, so it keeps the terminal's own colour.
    """
    style_cls = pygments_style(name)
    plain = style_cls.style_for_token(Text)["color"]
    rules: dict[_TokenType, str] = {}
    for ttype, ndef in style_cls:
        # noinherit: each rule is complete, so an emptied colour cannot inherit a parent's.
        words = ["noinherit", *(attr for attr in ("bold", "italic", "underline") if ndef[attr])]
        if ndef["color"] and ndef["color"] != plain:
            words.append(_color_word(ndef["color"]))
        if ndef["bgcolor"]:
            words.append("bg:" + _color_word(ndef["bgcolor"]))
        rules[ttype] = " ".join(words)
    namespace = {"styles": rules, "background_color": style_cls.background_color}
    terminal: type[PygmentsStyle] = type(style_cls.__name__, (PygmentsStyle,), namespace)
    return terminal


def _color_word(color: str) -> str:
    return color if color.startswith("ansi") else "#" + color


def _formatter(style: str, color_depth: str) -> Formatter[str] | None:
    if color_depth not in _DEPTHS:
        raise ValueError(f"color_depth must be one of {', '.join(_DEPTHS)}, not {color_depth!r}")
    style_cls = terminal_style(style)  # built even when unused: a typo is reported at once
    if color_depth == "DEPTH_24_BIT":
        return TerminalTrueColorFormatter(style=style_cls)
    if color_depth == "DEPTH_8_BIT":
        return Terminal256Formatter(style=style_cls)
    if color_depth == "DEPTH_4_BIT":
        # pygments has no 16-colour formatter driven by a style: this one uses its own scheme.
        return TerminalFormatter(bg="dark")
    return None


class _Palette:
    """The escape codes around a token of each type, taken from the formatter once per type."""

    def __init__(self, formatter: Formatter[str]) -> None:
        self._formatter = formatter
        self._codes: dict[_TokenType, tuple[str, str]] = {Text.Whitespace: ("", "")}

    def codes(self, ttype: _TokenType) -> tuple[str, str]:
        found = self._codes.get(ttype)
        if found is None:
            out = io.StringIO()
            self._formatter.format([(ttype, "\x00")], out)
            on, _, off = out.getvalue().partition("\x00")
            found = self._codes[ttype] = (on, off)
        return found

    def format(self, tokens: Iterable[tuple[_TokenType, str]]) -> str:
        known = self._codes  # the hot loop of colouring: a local dict lookup per token
        parts = []
        for ttype, value in tokens:
            on, off = known.get(ttype) or self.codes(ttype)
            parts.append(on + value + off if on else value)
        return "".join(parts)


def _plain(tokens: Iterable[tuple[_TokenType, str]]) -> str:
    return "".join(value for _, value in tokens)


class Renderer:
    """Colours the debugger's output, one chunk at a time; see the module docstring.

    *style* is a pygments style name; *color_depth* one of prompt_toolkit's ``ColorDepth``
    values (``"DEPTH_1_BIT"`` for none, ``"DEPTH_4_BIT"``, ``"DEPTH_8_BIT"``, ``"DEPTH_24_BIT"``);
    ``enabled=False`` gives the sanitized text only; ``raw=True`` skips sanitizing (``--raw``).
    """

    def __init__(
        self,
        style: str = DEFAULT_STYLE,
        color_depth: str = "DEPTH_8_BIT",
        enabled: bool = True,
        raw: bool = False,
    ) -> None:
        formatter = _formatter(style, color_depth)
        self.enabled = enabled and formatter is not None
        self._format = _Palette(formatter).format if formatter is not None else _plain
        self._sanitizer = Sanitizer(raw=raw)
        self._python = PythonLexer()
        self._traceback_lexer = PythonTracebackLexer()
        self._cache: dict[str, Tokens] = {}
        self._partial = ""
        self._hint_python = False
        self._reset_reply()

    def _reset_reply(self) -> None:
        self._reply_size = 0
        self._lexed = 0
        self._plain = False  # the reply outgrew the bounds: the rest is shown plain
        self._line_plain = False  # a partial line outgrew HOLD_MAX: its rest is shown plain
        self._in_traceback = False

    def set_hint(self, command: str | None) -> None:
        """Start a reply: *command* is the line the user sent (``p x``), or None if unknown."""
        found = find_command(split_command(command)[0]) if command else None
        self._hint_python = found is not None and found.repr_reply
        self._reset_reply()

    def feed(self, text: str) -> str:
        """Return what can be shown of *text* now, coloured; a partial last line is held."""
        text = self._sanitizer.feed(text)
        if not self.enabled or not text:
            return text
        self._reply_size += len(text)
        if len(text) > CHUNK_LIMIT or self._reply_size > REPLY_LIMIT:
            self._plain = True
        out = []
        if self._line_plain:
            end = text.find("\n") + 1
            if not end:
                return text
            out.append(text[:end])
            text = text[end:]
            self._line_plain = False
        text = self._partial + text
        end = text.rfind("\n") + 1
        body, self._partial = text[:end], text[end:]
        if body:
            out.append(body if self._plain else self._render_lines(body))
        if len(self._partial) > HOLD_MAX:
            out.append(self._partial)
            self._partial = ""
            self._line_plain = True
        return "".join(out)

    def flush(self) -> str:
        """End the reply: return everything held, the partial line included, and forget the hint."""
        text = self._partial + self._sanitizer.flush()
        self._partial = ""
        if text and self.enabled and not (self._plain or self._line_plain):
            text = self._render_line(text, "\x1b" in text)
        self._hint_python = False
        self._reset_reply()
        return text

    def _render_lines(self, body: str) -> str:
        has_escape = "\x1b" in body
        lines = body.split("\n")
        lines.pop()  # body ends with a newline: the last piece is empty
        return "\n".join([self._render_line(line, has_escape) for line in lines]) + "\n"

    def _render_line(self, line: str, has_escape: bool) -> str:
        if has_escape and "\x1b" in line:
            return line  # already coloured (IPython), or raw: not ours to recolour
        tokens = self.tokens(line)
        return line if tokens is None else self._format(tokens)

    def tokens(self, line: str) -> Tokens | None:
        """Classify one line (no newline) in the current reply: its tokens, or None if plain."""
        if self._in_traceback and len(line) <= HOLD_MAX:
            return self._traceback_line(line)
        self._in_traceback = False
        if not line or len(line) > HOLD_MAX:
            return None  # a line that long is data, not one of pdb's own lines
        first = line[0]
        if first == "*" and line.startswith("***"):
            return [(Generic.Error, line)]
        if first == "T" and line == _TRACEBACK_HEADER:
            self._in_traceback = True
            return [(Generic.Traceback, line)]
        if first in "DT" and line.startswith(_CHAINED):
            return [(Generic.Traceback, line)]
        if self._hint_python:
            return self._python_tokens(line)
        if first == " " or first.isdigit():
            # Before locations: a listed line of code can look like a `where` entry.
            match = _LISTING.fullmatch(line)
            if match:
                return self._listing(match)
        if first in "> ":
            match = _LOCATION.fullmatch(line)
            if match:
                return self._location(match)
        if first == "-":
            if line.startswith("-> "):
                return [(Generic.Prompt, "->"), (Text, " "), *self._python_code(line[3:])]
            if _MARKER.fullmatch(line):
                return [(Generic.Subheading, line)]
        if first in "BDEb":
            match = _BREAKPOINT.fullmatch(line)
            if match:
                kinds = (Generic.Strong, Number, Text, String, Punctuation, Number)
                return list(zip(kinds, match.groups()))
        return None

    def _location(self, match: re.Match[str]) -> Tokens:
        marker, path, lineno, function, result = match.groups()
        tokens: Tokens = [
            (Generic.Prompt if marker == "> " else Text, marker),
            (String, path),
            (Punctuation, "("),
            (Number, lineno),
            (Punctuation, ")"),
            (Name.Function, function),
            (Punctuation, "()"),
        ]
        if result:
            tokens += [(Punctuation, "->"), *self._python_code(result[2:])]
        return tokens

    def _listing(self, match: re.Match[str]) -> Tokens:
        number, mark, current, tab, code = match.groups()
        tokens: Tokens = [(Comment, number), (Generic.Error if mark == "B" else Text, mark)]
        if current:
            tokens.append((Generic.Prompt if current == "->" else Generic.Error, current))
        tokens.append((Text, tab))
        return tokens + self._python_code(code)

    def _traceback_line(self, line: str) -> Tokens:
        if line.startswith("    "):
            if line.strip().strip("^~") == "":  # the ^^^ under the failing expression
                return [(Punctuation.Marker, line)]
            return [(Text, "    "), *self._python_code(line[4:])]
        if not line[:1].isspace():
            self._in_traceback = False  # the exception line ends the traceback
        lexed = self._traceback_lexer.get_tokens_unprocessed(line + "\n", stack=("root", "intb"))
        tokens = [(ttype, value) for _, ttype, value in lexed]
        ttype, value = tokens.pop()
        if value != "\n":
            tokens.append((ttype, value[:-1]))
        return tokens

    def _python_tokens(self, code: str) -> Tokens | None:
        """The Python tokens of *code*, or None if it is too long or the budget is spent."""
        cached = self._cache.get(code)
        if cached is not None:
            return cached
        if len(code) > PYTHON_LINE_MAX or self._lexed + len(code) > LEX_BUDGET:
            return None
        self._lexed += len(code)
        tokens = [(ttype, value) for _, ttype, value in self._python.get_tokens_unprocessed(code)]
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()  # simpler than LRU, and listings are re-shown as a whole anyway
        self._cache[code] = tokens
        return tokens

    def _python_code(self, code: str) -> Tokens:
        tokens = self._python_tokens(code)
        return [(Text, code)] if tokens is None else tokens
