"""Completion: the pure suggest() on strings, then PdbCompleter on Documents."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Sequence

import pytest
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document

from rpdb_client.terminal.completer import PdbCompleter
from rpdb_client.vocabulary.client_commands import CLIENT_COMMANDS
from rpdb_client.vocabulary.commands import find_command
from rpdb_client.vocabulary.suggest import (
    BreakpointNumber,
    Choice,
    ClientCommand,
    CommandName,
    FilePath,
    LineInFile,
    Location,
    Name,
    PromptMode,
    suggest,
)

PDB = PromptMode.PDB

# --- suggest(): what kind of thing comes next ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [CommandName("")]),
        ("con", [CommandName("con"), Name("con")]),
        ("  b", [CommandName("b"), Name("b")]),
        ("?", [CommandName("", topics=True)]),
        ("help br", [CommandName("br", topics=True)]),
        ("h ", [CommandName("", topics=True)]),
        ("help break x", []),
    ],
)
def test_command_names(text: str, expected: list[object]) -> None:
    assert suggest(text, mode=PDB) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("disable ", [BreakpointNumber("")]),
        ("disable 1 2", [BreakpointNumber("2")]),
        ("enable 3 ", [BreakpointNumber("")]),
        ("enable x ", []),
        ("commands ", [BreakpointNumber("")]),
        ("commands 1 ", []),
        ("ignore 1", [BreakpointNumber("1")]),
        ("ignore 1 ", []),  # the count
        ("condition ", [BreakpointNumber("")]),
        ("condition 1", [BreakpointNumber("1")]),
        ("cl 1 ", [BreakpointNumber("")]),
        ("clear 4", [BreakpointNumber("4")]),
        ("cl ", [BreakpointNumber(""), Location("")]),
        ("u ", []),
        ("j ", []),
        ("s ", []),
    ],
)
def test_breakpoint_numbers_only_where_the_command_takes_them(
    text: str, expected: list[object]
) -> None:
    assert suggest(text, mode=PDB) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("b ", [Location(""), Name("", keywords=False)]),
        ("break app/vi", [Location("app/vi")]),
        ("tbreak handler", [Location("handler"), Name("handler", keywords=False)]),
        # A line number comes next: the functions of the file (asked of the debugger) name them.
        ("b views.py:", [LineInFile("views.py", "")]),
        ("b views.py:1", [LineInFile("views.py", "1")]),
        ("b views.py:1x", []),
        ("b 12", []),
        ("cl views.p", [Location("views.p")]),
        ("cl views.py:", []),
        ("b mod.hand", [Location("mod.hand"), Name("hand", "mod", keywords=False)]),
    ],
)
def test_locations(text: str, expected: list[object]) -> None:
    assert suggest(text, mode=PDB) == expected


def test_condition_after_comma_is_an_expression() -> None:
    assert suggest("b views.py:12, request.me", mode=PDB) == [Name("me", "request", keywords=False)]
    assert suggest("condition 1 user.i", mode=PDB) == [Name("i", "user", keywords=False)]


@pytest.mark.parametrize("word", ["p", "pp", "!", "display", "whatis", "source"])
def test_dotted_owner(word: str) -> None:
    assert suggest(f"{word} request.he", mode=PDB) == [Name("he", "request", keywords=False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p request.META.ge", Name("ge", "request.META", keywords=False)),
        ("p x.", Name("", "x", keywords=False)),
        ("p a + b.c", Name("c", "b", keywords=False)),
        ("p $_frame.f_lo", Name("f_lo", "$_frame", keywords=False)),
        ("p $_ex", Name("$_ex")),
        ("p len(req", Name("req")),
        ("p ", Name("")),
        ("request.he", Name("he", "request", keywords=False)),  # a bare expression
        ("x = self.na", Name("na", "self", keywords=False)),
        ("!n", Name("n")),
    ],
)
def test_names(text: str, expected: Name) -> None:
    assert suggest(text, mode=PDB) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "p foo().ba",
        "p x[0].y",
        "p {}.ke",
        "p 'abc'.up",
        "p a.b().c.d",
        "p (a).b",
        "p lambda.x",
    ],
)
def test_no_owner_after_calls_subscripts_and_literals(text: str) -> None:
    prefix = text.rsplit(".", 1)[1]
    assert suggest(text, mode=PDB) == [Name(prefix, None, remote=False, keywords=False)]


@pytest.mark.parametrize("text", ["p 'abc.", 'p "x y', "p x  # a.b", "p 12", "n ", "l 1"])
def test_nothing_inside_strings_comments_numbers_or_plain_commands(text: str) -> None:
    assert suggest(text, mode=PDB) == []


def test_double_semicolon_starts_a_new_command() -> None:
    assert suggest("p 1;; p req.x", mode=PDB) == [Name("x", "req", keywords=False)]
    assert suggest("n;; dis", mode=PDB) == [CommandName("dis"), Name("dis")]
    assert suggest("alias pr p ", mode=PDB) == [Name("")]


def test_long_pasted_lines() -> None:
    assert suggest("n;;" * 5000 + "p x.", mode=PDB) == [Name("", "x", keywords=False)]
    assert suggest("alias a " * 3000 + "p ", mode=PDB) == [Name("")]


def test_client_commands() -> None:
    assert suggest(":", mode=PDB) == [ClientCommand(":")]
    assert suggest("  :de", mode=PDB) == [ClientCommand(":de")]
    assert suggest(":log ", mode=PDB) == [FilePath("")]
    assert suggest(":log out/se", mode=PDB) == [FilePath("out/se")]
    assert suggest(":send p x.y", mode=PDB) == [Name("y", "x", keywords=False)]
    assert suggest(":help x", mode=PDB) == []
    assert suggest(":ascii o", mode=PDB) == [Choice("o", ("on", "off"))]
    assert suggest(":ascii on x", mode=PDB) == []
    assert suggest(":bogus x", mode=PDB) == []
    for mode in PromptMode:
        assert suggest(":q", mode=mode) == [ClientCommand(":q")]


def test_python_mode_never_asks_the_debugger() -> None:
    python = PromptMode.PYTHON
    assert suggest("imp", mode=python) == [Name("imp", remote=False)]
    assert suggest("os.pa", mode=python) == [Name("pa", None, remote=False, keywords=False)]
    assert suggest("n = le", mode=python) == [Name("le", remote=False)]
    assert suggest("x = 'abc", mode=python) == []


def test_commands_mode() -> None:
    commands = PromptMode.COMMANDS
    assert suggest("en", mode=commands) == [
        CommandName("en", command_list=True),
        Name("en", remote=False),
    ]
    # A side query at "(com) " would be recorded as a breakpoint command.
    assert suggest("p x.y", mode=commands) == [Name("y", None, remote=False, keywords=False)]


def test_question_mode_suggests_nothing() -> None:
    assert suggest("y", mode=PromptMode.QUESTION) == []
    assert suggest("", mode=PromptMode.QUESTION) == []


# --- PdbCompleter: candidates -----------------------------------------------------------------


class FakeNames:
    """Names in a pretend frame; records which owners were asked about."""

    def __init__(self, error: Exception | None = None) -> None:
        self.asked: list[str | None] = []
        self.error = error
        self.table: dict[str | None, list[str]] = {
            None: ["request", "response", "_hidden"],
            "request": ["headers", "host", "method", "_cache", "__class__"],
        }

    def __call__(self, owner: str | None) -> Sequence[str]:
        self.asked.append(owner)
        if self.error is not None:
            raise self.error
        return self.table.get(owner, [])


def make_completer(
    *,
    names: Callable[[str | None], Sequence[str]] | None = None,
    breakpoints: Sequence[int] = (1, 2, 12),
    seen: Iterable[str] = ("bar", "baz", "request"),
    mode: PromptMode = PDB,
) -> PdbCompleter:
    return PdbCompleter(
        breakpoints=lambda: breakpoints,
        names=names if names is not None else FakeNames(),
        seen_names=lambda: seen,
        mode=lambda: mode,
    )


def complete(completer: PdbCompleter, text: str) -> list[Completion]:
    return list(completer.get_completions(Document(text, len(text)), CompleteEvent()))


def texts(completions: list[Completion]) -> list[str]:
    return [c.text for c in completions]


def test_command_completions_carry_the_help() -> None:
    found = complete(make_completer(), "con")
    assert texts(found) == ["condition", "cont", "continue"]
    assert all(c.start_position == -3 for c in found)
    continue_ = find_command("continue")
    assert continue_ is not None
    assert found[2].display_meta_text == continue_.help


def test_aliases_are_offered_and_eof_and_symbols_are_not() -> None:
    assert texts(complete(make_completer(), "unt")) == ["unt", "until"]
    assert texts(complete(make_completer(), "EO")) == ["EOFError"]  # a builtin, not EOF
    all_words = texts(complete(make_completer(), ""))
    assert "!" not in all_words and "?" not in all_words and "EOF" not in all_words
    assert {"b", "break", "q", "exit", "rv"} <= set(all_words)


def test_command_list_words_only_at_the_com_prompt() -> None:
    assert texts(complete(make_completer(), "en")) == ["enable", "enumerate"]
    commands = make_completer(mode=PromptMode.COMMANDS)
    assert texts(complete(commands, "en")) == ["enable", "end", "enumerate"]
    assert texts(complete(commands, "sil")) == ["silent"]


def test_help_topics() -> None:
    assert texts(complete(make_completer(), "help ex")) == ["exceptions", "exec", "exit"]


def test_breakpoint_numbers() -> None:
    found = complete(make_completer(breakpoints=[12, 2, 1, 2]), "disable 1")
    assert texts(found) == ["1", "12"]
    assert [c.start_position for c in found] == [-1, -1]
    assert found[0].display_meta_text == "breakpoint"
    assert texts(complete(make_completer(), "commands ")) == ["1", "2", "12"]
    assert texts(complete(make_completer(), "ignore 1 ")) == []
    assert texts(complete(make_completer(breakpoints=[]), "enable ")) == []


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "admin.pyw").write_text("")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / ".secret.py").write_text("")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("project")
def test_file_line_locations() -> None:
    completer = make_completer(names=lambda owner: (), seen=())
    found = complete(completer, "b a")
    assert texts(found) == ["admin.pyw:", "app.py:"]
    assert found[1].display_meta_text == "file"
    assert texts(complete(completer, "b ")) == ["admin.pyw:", "app.py:", "pkg/"]
    nested = complete(completer, "tbreak pkg/")
    assert texts(nested) == ["pkg/mod.py:"]
    assert nested[0].start_position == -4
    assert nested[0].display_text == "mod.py:"
    assert texts(complete(completer, "b .s")) == [".secret.py:"]
    assert texts(complete(completer, "b nowhere/x")) == []
    assert texts(complete(completer, "cl app")) == ["app.py:"]


@pytest.mark.usefixtures("project")
def test_location_offers_functions_too() -> None:
    completer = make_completer(names=FakeNames())
    # Frame and seen names, but no keyword or builtin: pdb needs a function object.
    assert texts(complete(completer, "b re")) == ["request", "response"]
    assert texts(complete(completer, "b request.h")) == ["headers", "host"]


@pytest.mark.usefixtures("project")
def test_log_file_is_any_local_file() -> None:
    assert texts(complete(make_completer(), ":log n")) == ["notes.txt"]
    assert texts(complete(make_completer(), ":log ")) == [
        "admin.pyw",
        "app.py",
        "notes.txt",
        "pkg/",
    ]


def test_dotted_owner_asks_for_its_attributes() -> None:
    names = FakeNames()
    found = complete(make_completer(names=names), "p request.he")
    assert texts(found) == ["headers"]
    assert found[0].start_position == -2
    assert found[0].display_meta_text == "attribute"
    assert names.asked == ["request"]


def test_private_names_only_when_asked_for() -> None:
    completer = make_completer()
    assert texts(complete(completer, "p request.")) == ["headers", "host", "method"]
    assert texts(complete(completer, "p request._")) == ["_cache", "__class__"]


def test_no_remote_lookup_after_a_call_or_subscript() -> None:
    """Nor words seen in the output: they are no attributes of ``x[0]`` (issue 13 item 17)."""
    for text in ("p foo().ba", "p x[0].ba", 'p data["nested"].ba'):
        names = FakeNames()
        assert texts(complete(make_completer(names=names), text)) == []
        assert names.asked == []


def test_bare_names_frame_then_seen_then_keywords_and_builtins() -> None:
    names = FakeNames()
    found = complete(make_completer(names=names), "p re")
    assert texts(found) == ["request", "response", "return", "repr", "reversed"]
    assert [c.display_meta_text for c in found] == ["name", "name", "keyword", "builtin", "builtin"]
    assert names.asked == [None]
    assert texts(complete(make_completer(), "p ba")) == ["bar", "baz"]


def test_first_word_offers_commands_then_names() -> None:
    assert texts(complete(make_completer(), "re")) == [
        "restart",
        "return",
        "retval",
        "request",
        "response",
        "repr",
        "reversed",
    ]


def test_failing_side_query_gives_no_names_but_still_completes() -> None:
    completer = make_completer(names=FakeNames(error=TimeoutError("debugger busy")))
    assert texts(complete(completer, "p request.he")) == []
    assert texts(complete(completer, "p le")) == ["len"]


def test_python_mode_uses_local_knowledge_only() -> None:
    names = FakeNames()
    completer = make_completer(names=names, mode=PromptMode.PYTHON)
    assert texts(complete(completer, "imp")) == ["import"]
    assert texts(complete(completer, "x = le")) == ["len"]
    assert texts(complete(completer, "ba")) == ["bar", "baz"]
    assert texts(complete(completer, "os.ba")) == []  # seen words are no attributes of os
    assert texts(complete(completer, "request.he")) == []
    assert names.asked == []


def test_switch_words_after_ascii() -> None:
    assert texts(complete(make_completer(), ":ascii o")) == ["on", "off"]
    assert texts(complete(make_completer(), ":ascii of")) == ["off"]


def test_client_commands_with_help() -> None:
    found = complete(make_completer(), ":")
    assert texts(found) == [c.name for c in CLIENT_COMMANDS]
    detach = complete(make_completer(), ":de")
    assert texts(detach) == [":detach"]
    assert detach[0].start_position == -3
    assert detach[0].display_meta_text == CLIENT_COMMANDS[1].help
    assert texts(complete(make_completer(), ":send p request.ho")) == ["host"]


def test_question_and_semicolons() -> None:
    assert complete(make_completer(mode=PromptMode.QUESTION), "y") == []
    assert texts(complete(make_completer(), "n;; p request.me")) == ["method"]
