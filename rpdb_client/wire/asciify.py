"""``--ascii``: make a line safe for a debugger that decodes its input as ASCII.

Owns one transformation (docs/protocol.md section 3): under uWSGI with ``LANG=C`` the server decodes
what it reads as ASCII, and one non-ASCII byte breaks the request and leaks the session. Inside
string literals a non-ASCII character becomes its ``\\uXXXX`` escape, which means the same string;
anywhere else (a name, a comment, a raw or bytes literal) there is no equivalent, so the line is
refused. Standard library only.
"""

from __future__ import annotations

import io
import tokenize

from rpdb_client.wire.connection import UnsendableLine

_ESCAPABLE = (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING))


def to_ascii(line: str) -> str:
    """``line`` with non-ASCII characters escaped inside string literals; raises otherwise."""
    if line.isascii():
        return line
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = []
    pieces = []
    end = 0
    for token in tokens:
        if token.type not in _ESCAPABLE or token.string.isascii():
            continue
        start, stop = token.start[1], token.end[1]
        if token.type == tokenize.STRING and _prefix(token.string) & {"r", "b"}:
            break  # a raw or bytes literal cannot spell the character with an escape
        pieces += [line[end:start], _escape(token.string)]
        end = stop
    result = "".join(pieces) + line[end:]
    if not result.isascii():
        raise UnsendableLine(
            "the debugger decodes ASCII (--ascii): non-ASCII characters can only be sent "
            "inside ordinary string literals, where they are escaped; not sent"
        )
    return result


def _prefix(literal: str) -> set[str]:
    head = literal[: len(literal) - len(literal.lstrip("rRbBuUfF"))]
    return set(head.lower())


def _escape(text: str) -> str:
    return "".join(char if char.isascii() else _escape_char(char) for char in text)


def _escape_char(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
