"""``--ascii``: make a line safe for a debugger that decodes its input as ASCII.

Owns one transformation (docs/protocol.md section 3): under uWSGI with ``LANG=C`` the server decodes
what it reads as ASCII, and one non-ASCII byte breaks the request and leaks the session. Inside
a string literal of any kind a non-ASCII character is spelt with ASCII that means the same
string: its ``\\uXXXX`` escape in an ordinary literal; in a raw one (``R'\\d café'``), where an
escape would be read as text, the literal is cut there and the character goes in an ordinary
literal of its own, which Python joins to its neighbours (``R'\\d caf' '\\u00e9' R''``); in the
text of an f-string (``rf'{x}\\w é'``) likewise. Anywhere else (a name, a comment, a bytes
literal, the expression inside an f-string's braces) there is no equivalent, so the line is
refused. Standard library only.
"""

from __future__ import annotations

import io
import tokenize
from typing import Optional

from rpdb_client.wire.connection import UnsendableLine

_FSTRING_START = getattr(tokenize, "FSTRING_START", None)
_FSTRING_END = getattr(tokenize, "FSTRING_END", None)
"""From Python 3.12 an f-string is several tokens, from FSTRING_START to FSTRING_END."""
_PREFIX_LETTERS = "rRbBuUfF"


def to_ascii(line: str) -> str:
    """``line`` with non-ASCII characters spelt in ASCII inside string literals, or raises."""
    if line.isascii():
        return line
    pieces = []
    end = 0
    for start, stop in _literal_spans(line):
        literal = line[start:stop]
        if literal.isascii():
            continue
        spelt = _literal_to_ascii(literal)
        if spelt is None:
            break
        pieces += [line[end:start], spelt]
        end = stop
    result = "".join(pieces) + line[end:]
    if not result.isascii():
        raise UnsendableLine(
            "the debugger decodes ASCII (--ascii): non-ASCII characters can only be sent "
            "inside string literals (not in names, comments, bytes, or an f-string's braces), "
            "where they are escaped; not sent"
        )
    return result


def _literal_spans(line: str) -> list[tuple[int, int]]:
    """The columns of each whole string literal of the line (an f-string is one, however the
    tokenizer of this Python cuts it)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    spans = []
    nesting, opened = 0, 0
    for token in tokens:
        if token.type == _FSTRING_START:
            nesting += 1
            if nesting == 1:
                opened = token.start[1]
        elif token.type == _FSTRING_END:
            nesting -= 1
            if nesting == 0:
                spans.append((opened, token.end[1]))
        elif token.type == tokenize.STRING and nesting == 0:
            spans.append((token.start[1], token.end[1]))
    return spans


def _literal_to_ascii(literal: str) -> Optional[str]:
    """One literal spelt in ASCII, meaning the same string; None when it cannot be."""
    prefix = literal[: len(literal) - len(literal.lstrip(_PREFIX_LETTERS))]
    kinds = set(prefix.lower())
    rest = literal[len(prefix) :]
    quote = rest[:3] if rest[:3] in ('"""', "'''") else rest[:1]
    body = rest[len(quote) : len(rest) - len(quote)]
    if "b" in kinds:
        return None  # bytes hold ASCII only: the line is not valid Python anyway
    raw, formatted = "r" in kinds, "f" in kinds
    out: list[str] = [prefix + quote]
    depth = 0
    index = 0
    while index < len(body):
        char = body[index]
        if formatted and char in "{}":
            doubled = body[index : index + 2] in ("{{", "}}")
            if depth == 0 and doubled:
                out.append(body[index : index + 2])  # a literal brace
                index += 2
                continue
            depth += 1 if char == "{" else -1
        if char.isascii():
            out.append(char)
        elif depth > 0:
            return None  # inside an f-string's expression
        else:
            out.append(_spell(char, raw, prefix + quote, quote, out))
        index += 1
    out.append(quote)
    return "".join(out)


def _spell(char: str, raw: bool, opening: str, quote: str, out: list[str]) -> str:
    """``char`` in ASCII, after what ``out`` holds of the literal so far."""
    backslashes = _trailing_backslashes(out)
    if not raw:
        # `\é` is no escape: a backslash and é. Before `\u00e9` that backslash must be doubled.
        return ("\\" if backslashes % 2 else "") + _escape_char(char)
    # Raw: close the literal, give the character an ordinary literal of its own, reopen. A raw
    # literal cannot end in a backslash, so trailing ones move into the ordinary literal.
    if backslashes:
        del out[len(out) - backslashes :]
    ordinary = quote[:1] + "\\\\" * backslashes + _escape_char(char) + quote[:1]
    return f"{quote} {ordinary} {opening}"  # spaced: `r''` then `'x'` would read as `r'''x'`


def _trailing_backslashes(out: list[str]) -> int:
    count = 0
    for piece in reversed(out):
        stripped = piece.rstrip("\\")
        count += len(piece) - len(stripped)
        if stripped:
            break
    return count


def _escape_char(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
