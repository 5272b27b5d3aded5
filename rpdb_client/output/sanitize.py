"""Terminal safety for text received from the debugged program.

Owns the rule for what of the received text may reach the terminal as-is. The debugged program
prints data that an attacker may control (request bodies, headers, file names): it must never
move the cursor, clear the screen, set the window title, write the clipboard (OSC 52), plant
hyperlinks (OSC 8) or send device strings. Only colour survives: SGR sequences, ``ESC [`` then
digits, ``;`` and ``:`` only, then ``m`` (at most :data:`MAX_SEQUENCE` characters).

Every other control character is *made visible* in caret notation, so a reader sees that
something was there and what it was:

* C0 controls other than ``\\n`` and ``\\t``: ``^`` and the character 64 places up: ESC is ``^[``,
  BEL ``^G``, backspace ``^H``, a carriage return ``^M`` (the caller has already turned CRLF
  into LF, so every CR left is one that would overwrite the line), NUL ``^@``;
* DEL is ``^?``;
* a C1 control (U+0080 to U+009F) is shown as its 7-bit equivalent, ESC and the character 64
  places down: the 8-bit CSI U+009B is ``^[[``, the 8-bit OSC U+009D is ``^[]``.

Bidirectional controls (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C) are shown
as their escapes, ``\\u202e``: they reorder what is shown around them, so a line can read other
than what it holds (a command line, a file name, a value in pdb's output).

Neutralising the introducer is enough for every sequence: once its ESC is ``^[``, the rest of an
OSC, DCS, APC, PM or SOS string (``^[]0;title^G``, ``^[P...^[\\``) or of a CSI (``^[[2J``) is
ordinary printable text, so no terminator has to be found and nothing is dropped.

Standard library only: this module sits under everything that prints received text.
"""

from __future__ import annotations

import re

__all__ = [
    "MAX_SEQUENCE",
    "RESET_ATTRIBUTES",
    "Sanitizer",
    "has_controls",
    "make_safe",
    "make_visible",
]

MAX_SEQUENCE = 4096
"""The longest colour sequence kept, and so the most a :class:`Sanitizer` holds back between
chunks; a longer one is shown as data."""

RESET_ATTRIBUTES = "\x1b[0m"
"""Written before the client's own words: the program's colour (or a concealing ``ESC[8m`` left
unterminated) must not hide them."""

_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_CONTROLS = f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]"
_SGR_BODY = rf"\[[0-9;:]{{0,{MAX_SEQUENCE - 3}}}"
_SGR_OR_CONTROL = re.compile(rf"\x1b{_SGR_BODY}m|{_CONTROLS}")
_CONTROL = re.compile(_CONTROLS)
# What the end of a chunk may be if the next chunk could still complete it into a colour.
_SGR_START = re.compile(rf"\x1b(?:{_SGR_BODY})?")


def _visible(code: int) -> str:
    if code > 0x9F:
        return f"\\u{code:04x}"
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return "^[" + chr(code - 0x40)


_VISIBLE = {
    chr(code): _visible(code)
    for code in (
        *range(0x00, 0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x200E,
        0x200F,
        0x061C,
    )
}

# The fast check works on bytes, where deleting every safe byte with bytes.translate runs at
# memory speed; a str regex search is ten times slower on megabytes of output.
_SAFE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n"
_SAFE_UTF8 = _SAFE_ASCII + bytes(range(0x80, 0x100))
# In UTF-8, U+0080..U+009F are 0xC2 then 0x80..0x9F; elsewhere those bytes are only trail bytes.
# The bidi controls are E2 80 8E-8F / AA-AE, E2 81 A6-A9 and D8 9C.
# One regex each: a pattern with a single leading byte is searched at memory speed.
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_BIDI_UTF8 = re.compile(rb"\xe2(?:\x80[\x8e\x8f\xaa-\xae]|\x81[\xa6-\xa9])")


def has_controls(text: str) -> bool:
    """Whether *text* holds anything but printable text, tabs and newlines (fast: bytes)."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _SAFE_ASCII))
    # surrogatepass: text decoded with surrogateescape carries lone surrogates; they are not
    # controls and must not make the check fail.
    data = text.encode("utf-8", "surrogatepass")
    if data.translate(None, _SAFE_UTF8) or _C1_UTF8.search(data) or b"\xd8\x9c" in data:
        return True
    return _BIDI_UTF8.search(data) is not None


def _replace(match: re.Match[str]) -> str:
    found = match.group()
    return found if len(found) > 1 else _VISIBLE[found]


def make_safe(text: str) -> str:
    """Return *text* with every control character but colour made visible (see the module)."""
    if not has_controls(text):
        return text
    return _SGR_OR_CONTROL.sub(_replace, text)


def make_visible(text: str) -> str:
    """*text* from another process for the client's own messages: nothing passes, not even colour.

    For command lines, paths, host names, error texts and the server's questions quoted in what
    the client says: they have no business colouring (or concealing) the client's words.
    """
    if not has_controls(text):
        return text
    return _CONTROL.sub(lambda match: _VISIBLE[match.group()], text)


class Sanitizer:
    """:func:`make_safe` for a stream: any split of the input gives the same output.

    A chunk may end inside a colour sequence (``ESC [ 3``); that tail is held until the next
    :meth:`feed` tells whether it is a colour (kept) or not (shown). At most
    :data:`MAX_SEQUENCE` characters are held. With ``raw=True`` everything passes through
    untouched (``--raw``: the user asked for the bytes as sent).
    """

    def __init__(self, raw: bool = False) -> None:
        self.raw = raw
        self._pending = ""

    def feed(self, text: str) -> str:
        """Return the safe form of *text*, less a trailing incomplete colour sequence."""
        if self.raw:
            return text
        if self._pending:
            text = self._pending + text
            self._pending = ""
        # Only the last ESC can start an unfinished sequence: one cannot contain another ESC.
        start = text.rfind("\x1b", max(0, len(text) - MAX_SEQUENCE))
        if start >= 0 and _SGR_START.fullmatch(text, start):
            self._pending = text[start:]
            text = text[:start]
        return make_safe(text)

    def flush(self) -> str:
        """Return what is held back, as data: the stream ended before it became a colour."""
        pending, self._pending = self._pending, ""
        return make_safe(pending)
