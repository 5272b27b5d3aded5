"""The pdb line protocol, sans I/O: bytes in, events out.

Owns how received bytes become ``Output``, ``Prompt`` and ``Eof`` events (docs/protocol.md section
2): incremental UTF-8 decoding with replacement characters, CRLF shown as LF, prompt recognition by
kind, and the rule that the events do not depend on how the bytes were split (modulo adjacent
``Output`` events, which callers may join). It never touches a socket, a clock or a terminal, and
imports the standard library only.

How a prompt is recognised: a prompt is a known prompt text at the *start of a line* (after a
newline, at the start of the stream, or right after a previous prompt). It is recognised even when
more text follows it in the same read (``(Pdb) tick 3\\n``: another thread printed after the
prompt). A partial line that could still grow into a prompt is held back until it can be decided;
any other partial line is passed on at once, so an ``input("name: ")`` in the program is visible.
The prompts of ``interact`` (``>>> ``, ``... ``, IPython's ``In [1]: ``) and confirmation questions
are only recognised when the session says they are expected, because ordinary output can start
with those texts.
"""

from __future__ import annotations

import codecs
import enum
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Union

MAX_NESTING = 8
"""Deepest nested ``debug`` prompt recognised: ``((((((((Pdb)))))))) ``."""

_HOLD_LIMIT = 256
"""A partial line longer than this is never held back as a possible prompt."""


class PromptKind(enum.Enum):
    """What the server is waiting for, by the prompt it printed."""

    PDB = "pdb"
    PDBPP = "pdb++"
    IPDB = "ipdb"
    COMMANDS = "commands"
    PDB_MORE = "pdb-more"
    """Python 3.13's ``...   ``: pdb reads the next line of a statement begun at its prompt."""
    PYTHON = "python"
    PYTHON_MORE = "python-more"
    IPYTHON = "ipython"
    IPYTHON_MORE = "ipython-more"
    QUESTION = "question"
    CUSTOM = "custom"

    @property
    def is_debugger(self) -> bool:
        """True for the debugger's own command prompt, where pdb commands are read."""
        return self in (PromptKind.PDB, PromptKind.PDBPP, PromptKind.IPDB)

    @property
    def continues_statement(self) -> bool:
        """What is typed goes on a Python statement (interact's ``... ``, pdb 3.13's ``...   ``)."""
        return self in (PromptKind.PDB_MORE, PromptKind.PYTHON_MORE, PromptKind.IPYTHON_MORE)

    @property
    def is_python(self) -> bool:
        """True where what is typed is Python: inside ``interact``, or at 3.13's ``...   ``."""
        return self in (
            PromptKind.PDB_MORE,
            PromptKind.PYTHON,
            PromptKind.PYTHON_MORE,
            PromptKind.IPYTHON,
            PromptKind.IPYTHON_MORE,
        )


@dataclass(frozen=True)
class Output:
    """Text the debugger printed (LF line endings; may be a partial line)."""

    text: str


@dataclass(frozen=True)
class Prompt:
    """The server printed a prompt and now waits for one line.

    ``text`` is the prompt without colour codes (what to show), ``depth`` the nesting of
    ``debug`` (1 for ``(Pdb) ``, 2 for ``((Pdb)) ``).
    """

    text: str
    kind: PromptKind
    depth: int = 1


@dataclass(frozen=True)
class Eof:
    """The server closed its side of the connection."""


Event = Union[Output, Prompt, Eof]

# Colour codes and readline's \x01/\x02 width markers that IPython wraps around its prompt.
_DECOR = r"(?:\x1b\[[0-9;]*m|[\x01\x02])*"
_DECOR_RE = re.compile(_DECOR)
_INCOMPLETE_ESCAPE = re.compile(r"\x1b(?:\[[0-9;]*)?\Z")
_SGR_OR_MARK = re.compile(r"\x1b\[[0-9;]*m|[\x01\x02]")
_DECOR_STARTS = frozenset("\x1b\x01\x02")
_PROMPT_STARTS = frozenset("(i>.I \x1b\x01\x02")
"""The first characters of every built-in prompt (a fast "cannot be a prompt")."""


def _nested(core: str) -> str:
    """``(core) ``, ``((core)) ``... to MAX_NESTING: one more pair per nested ``debug``."""
    return "|".join(
        "\\(" * depth + re.escape(core) + "\\)" * depth + " " for depth in range(MAX_NESTING, 0, -1)
    )


# pdb++ nests as pdb does; IPython's debugger nests as "(%s) " % prompt.strip(): "(ipdb>) ".
_NESTED_LITERALS = tuple(
    "(" * depth + core + ")" * depth + " "
    for core in ("Pdb++", "ipdb>")
    for depth in range(1, MAX_NESTING + 1)
)
_DEBUGGER_PROMPTS = {
    "pdb": _nested("Pdb"),
    "pdbpp": _nested("Pdb++"),
    "ipdb": r"ipdb> |" + _nested("ipdb>"),
    "commands": r"\(com(?:\+\+)?\) ",  # pdb's and pdb++'s
    # Python 3.13: a statement that is not complete at the pdb prompt goes on at this prompt
    # (pdb.py, Pdb.default); three dots and three spaces, unlike interact's "... ".
    "pdb_more": r"\.\.\.   ",
}
_INTERACT_PROMPTS = {
    "python": r">>> ",
    "python_more": r"\.\.\. ",
    "ipython": r"In (?:\[\d+\])?: ",  # IPython's, and "In : " without a number
    "ipython_more": r" +\.\.\.: ",
}
_QUESTION_PROMPT = {"question": r"[^\n]*?\? "}
_KINDS = {
    "pdb": PromptKind.PDB,
    "pdbpp": PromptKind.PDBPP,
    "ipdb": PromptKind.IPDB,
    "commands": PromptKind.COMMANDS,
    "pdb_more": PromptKind.PDB_MORE,
    "python": PromptKind.PYTHON,
    "python_more": PromptKind.PYTHON_MORE,
    "ipython": PromptKind.IPYTHON,
    "ipython_more": PromptKind.IPYTHON_MORE,
    "question": PromptKind.QUESTION,
}

# What a held partial line may still grow into (after leading colour codes are removed).
_LITERAL_PROMPTS = ("ipdb> ", "(com) ", "(com++) ", "...   ", *_NESTED_LITERALS)
_INTERACT_LITERALS = (">>> ", "... ")
_NESTED_PREFIX = re.compile(r"\(+(?:P(?:d(?:b(?:\)+ ?)?)?)?)?")
_IPYTHON_PREFIX = re.compile(
    r"I(?:n(?: (?::|\[(?:\d+(?:\](?::)?)?)?)?)?)?| +(?:\.(?:\.(?:\.:?)?)?)?"
)


def _compile(patterns: dict[str, str], custom: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    alternatives = [f"(?P<{name}>{pattern})" for name, pattern in patterns.items()]
    alternatives += [f"(?P<custom{i}>{pattern})" for i, pattern in enumerate(custom)]
    body = f"{_DECOR}(?:{'|'.join(alternatives)})"
    # The second pattern finds a prompt after a newline. It starts with a literal "\n" (not a
    # lookbehind) so that the regex engine skips through megabytes of output at memchr speed.
    return re.compile(body), re.compile(f"\n{body}")


class Parser:
    """Turns the bytes of one connection into events.

    ``expect_interact`` and ``expect_question`` are set by the session when it sent a line that
    makes such prompts possible (``interact``, a bare ``clear``); a debugger prompt resets them.
    """

    def __init__(self, extra_prompts: Sequence[str] = ()) -> None:
        for pattern in extra_prompts:
            re.compile(pattern)  # fail early, with re.error, on a bad --prompt-regex
        self._custom = tuple(extra_prompts)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._carried_cr = False
        self._held = ""
        self._line_start = True
        self._after_prompt = False
        self._expect_interact = False
        self._expect_question = False
        self._patterns: tuple[re.Pattern[str], ...] = ()
        self._last_prompt: Optional[Prompt] = None
        """The last debugger prompt (none with ``--prompt-regex``): a reply ending with it
        takes the fast path."""
        self._recompile()
        self.saw_crlf = False
        """True once a CRLF line ending arrived: the server is remote-pdb."""

    # -- what the session tells the parser -------------------------------------------------

    @property
    def expect_interact(self) -> bool:
        return self._expect_interact

    @expect_interact.setter
    def expect_interact(self, value: bool) -> None:
        if value != self._expect_interact:
            self._expect_interact = value
            self._recompile()

    @property
    def expect_question(self) -> bool:
        return self._expect_question

    @expect_question.setter
    def expect_question(self, value: bool) -> None:
        if value != self._expect_question:
            self._expect_question = value
            self._recompile()

    def _recompile(self) -> None:
        self._last_prompt = None  # what may be a prompt changed: the fast path waits for one
        patterns = dict(_DEBUGGER_PROMPTS)
        if self._expect_interact:
            patterns.update(_INTERACT_PROMPTS)
        if self._expect_question:
            patterns.update(_QUESTION_PROMPT)
        self._patterns = _compile(patterns, self._custom)

    @property
    def has_held_text(self) -> bool:
        """A partial line is held back because it may still become a prompt."""
        return bool(self._held)

    # -- bytes in, events out ----------------------------------------------------------------

    def feed(self, data: bytes) -> list[Event]:
        """Parse the next bytes received; returns the events they complete."""
        if data.isascii() and not self._decoder.buffer:
            text = data.decode("ascii")  # the common case, without the decoder's Python layer
        else:
            text = self._decoder.decode(data)
        if self._carried_cr:
            text = "\r" + text
        self._carried_cr = text.endswith("\r")
        if self._carried_cr:
            text = text[:-1]  # it may be the first half of a CRLF split across reads
        if "\r" in text and "\r\n" in text:  # one memchr first: a two-character search is slow
            self.saw_crlf = True
            text = text.replace("\r\n", "\n")
        if self._held:
            return self._scan(self._held + text)
        return self._reply_to_last_prompt(text) or self._scan(text)

    def flush_partial(self) -> list[Event]:
        """Release a held partial line that no built-in prompt can grow from.

        The session calls this after a quiet spell, so that a partial line held only because of a
        ``--prompt-regex`` or an expected question does not stay hidden.
        """
        if not self._held or self._could_be_builtin_prompt(self._held):
            return []
        text, self._held = self._held, ""
        self._line_start = False
        return [Output(text)]

    def end(self) -> list[Event]:
        """The stream ended: flush whatever is pending, then ``Eof``."""
        text = self._held + self._decoder.decode(b"", final=True)
        if self._carried_cr:
            text += "\r"
        self._held, self._carried_cr = "", False
        events: list[Event] = [Output(text)] if text else []
        events.append(Eof())
        return events

    # -- the scanner -------------------------------------------------------------------------

    def _reply_to_last_prompt(self, text: str) -> Optional[list[Event]]:
        """The events of a reply that ends with the same debugger prompt as the last one, or
        None when the text has any other shape (then ``_scan`` decides).

        A command's round trip waits for this parse, so the commonest reply (lines, then the
        same prompt again) costs two bounded regex checks that no other prompt starts in it.
        """
        last = self._last_prompt
        if last is None or not text.endswith(last.text):
            return None
        body_end = len(text) - len(last.text)
        if text[body_end - 1] != "\n" if body_end else not self._line_start:
            return None  # the prompt's text, but not at the start of a line: output
        if self._after_prompt and text[0] in _DECOR_STARTS:
            return None  # perhaps the colour codes that close a coloured prompt
        at_start, anywhere = self._patterns
        if self._line_start and at_start.match(text, 0, body_end):
            return None
        if _search_after_newline(anywhere, text, 0, body_end):
            return None
        self._line_start = True
        self._after_prompt = True  # the next read may start with codes that close the prompt
        prompt = Prompt(last.text, last.kind, last.depth)
        return [Output(text[:body_end]), prompt] if body_end else [prompt]

    def _scan(self, text: str) -> list[Event]:
        self._held = ""
        events: list[Event] = []
        pos = self._skip_prompt_decoration(text, 0) if self._after_prompt else 0
        while True:
            at_start, anywhere = self._patterns  # a prompt may change what is expected next
            match = at_start.match(text, pos) if self._line_start else None
            skip = 0
            if match is None:
                match = _search_after_newline(anywhere, text, pos, len(text))
                if match is None:
                    break
                skip = 1  # the newline before the prompt ends the output
                if match.start() + 1 > pos:
                    events.append(Output(text[pos : match.start() + 1]))
            events.append(self._prompt(match, skip))
            self._line_start = True
            pos = self._skip_prompt_decoration(text, match.end())
        if self._after_prompt and _INCOMPLETE_ESCAPE.match(text, pos):
            self._held = text[pos:]
            pos = len(text)
        last_newline = text.rfind("\n", pos)
        if last_newline >= pos:
            events.append(Output(text[pos : last_newline + 1]))
            pos = last_newline + 1
            self._line_start = True
        rest = text[pos:]
        if rest:
            if self._line_start and self._could_be_prompt(rest):
                self._held = rest
            else:
                events.append(Output(rest))
                self._line_start = False
        return events

    def _skip_prompt_decoration(self, text: str, pos: int) -> int:
        """Drop colour codes right after a prompt (IPython closes its coloured prompt)."""
        if pos < len(text) and text[pos] not in _DECOR_STARTS:
            self._after_prompt = False  # the common case, decided without a regex
            return pos
        end = _DECOR_RE.match(text, pos)
        pos = end.end() if end else pos
        self._after_prompt = pos == len(text) or bool(_INCOMPLETE_ESCAPE.match(text, pos))
        return pos

    def _prompt(self, match: re.Match[str], skip: int) -> Prompt:
        name = match.lastgroup or ""
        shown = match.group(0)[skip:]
        if shown[0] in _DECOR_STARTS:
            shown = _SGR_OR_MARK.sub("", shown)
        kind = _KINDS.get(name, PromptKind.CUSTOM)
        # ipdb's top prompt has no parentheses: "(ipdb>) " is its first nested one
        depth = shown.count("(") + (kind is PromptKind.IPDB) if kind.is_debugger else 1
        prompt = Prompt(shown, kind, depth)
        self._last_prompt = None
        if kind.is_debugger:
            self.expect_interact = False
            self.expect_question = False
            if not self._custom:
                self._last_prompt = prompt  # fit for the fast path
        return prompt

    def _could_be_prompt(self, rest: str) -> bool:
        if len(rest) > _HOLD_LIMIT:
            return False
        if self._custom or self._expect_question:
            return True
        return self._could_be_builtin_prompt(rest)

    def _could_be_builtin_prompt(self, rest: str) -> bool:
        if len(rest) > _HOLD_LIMIT or rest[0] not in _PROMPT_STARTS:
            return False
        decor = _DECOR_RE.match(rest)
        core = rest[decor.end() :] if decor else rest
        if not core or _INCOMPLETE_ESCAPE.fullmatch(core):
            return True
        literals = _LITERAL_PROMPTS + (_INTERACT_LITERALS if self._expect_interact else ())
        if any(literal.startswith(core) for literal in literals):
            return True
        if _NESTED_PREFIX.fullmatch(core):
            return True
        return self._expect_interact and bool(_IPYTHON_PREFIX.fullmatch(core))


def _search_after_newline(
    pattern: re.Pattern[str], text: str, start: int, end: int
) -> Optional[re.Match[str]]:
    """``pattern.search`` for a pattern that starts with a newline, from the first newline on.

    ``str.find`` skips to it at memchr speed; the regex engine, about thirty times slower, only
    sees the rest (a 20 MB reply without a newline is one ``find``).
    """
    newline = text.find("\n", start, end)
    return pattern.search(text, newline, end) if newline >= 0 else None
