"""The input lexers: command words, numbers, locations, Python parts, client commands."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.token import Error, Keyword, Name, Number, Punctuation, String, Token

from rpdb_client.terminal.lexer import PdbLexer, PdbPythonLexer
from rpdb_client.vocabulary.commands import COMMANDS

PDB = PdbLexer()
PYTHON = PdbPythonLexer()


def lex(text: str, lexer: PdbLexer = PDB) -> list[tuple[Any, str]]:
    """The tokens of ``text`` without the whitespace ones."""
    return [(t, v) for _, t, v in lexer.get_tokens_unprocessed(text) if v.strip()]


def check_covers(text: str, lexer: PdbLexer) -> None:
    position = 0
    for offset, _, value in lexer.get_tokens_unprocessed(text):
        assert offset == position
        position += len(value)
    assert position == len(text)
    assert "".join(v for _, _, v in lexer.get_tokens_unprocessed(text)) == text


@pytest.mark.parametrize("word", sorted({w for c in COMMANDS for w in c.words} - {"!", "?"}))
def test_every_command_word_is_a_keyword(word: str) -> None:
    assert lex(word)[0] == (Keyword, word)
    assert lex(f"  {word} ")[0] == (Keyword, word)


def test_command_word_is_split_the_way_pdb_splits_it() -> None:
    # pdb runs `n = 1` as the command `n`: the highlighting says so.
    assert lex("n = 1")[0] == (Keyword, "n")
    assert lex("p(x)")[:2] == [(Keyword, "p"), (Punctuation, "(")]
    assert lex("!n = 1")[:2] == [(Keyword, "!"), (Name, "n")]
    assert lex("?b") == [(Keyword, "?"), (Name.Function, "b")]


def test_bare_expressions_are_python() -> None:
    assert lex("x = 1") == [(Name, "x"), (Token.Operator, "="), (Number.Integer, "1")]
    assert lex("print(1)")[0] == (Name.Builtin, "print")
    assert lex("nx.y")[0] == (Name, "nx")  # a longer word is not the command n


@pytest.mark.parametrize("word", ["p", "pp", "!", "display", "whatis", "source", "debug"])
def test_python_after_expression_commands(word: str) -> None:
    assert lex(f"{word} request.headers['x']") == [
        (Keyword, word),
        (Name, "request"),
        (Token.Operator, "."),
        (Name, "headers"),
        (Punctuation, "["),
        (String.Single, "'"),
        (String.Single, "x"),
        (String.Single, "'"),
        (Punctuation, "]"),
    ]


def test_convenience_variables() -> None:
    assert lex("p $_frame.f_lineno")[1] == (Name.Variable.Magic, "$_frame")


@pytest.mark.parametrize("word", ["disable", "enable", "cl", "clear", "ignore"])
def test_breakpoint_numbers(word: str) -> None:
    assert lex(f"{word} 1 23") == [(Keyword, word), (Number.Integer, "1"), (Number.Integer, "23")]


def test_what_is_not_a_number_is_an_error() -> None:
    assert lex("disable 1 x") == [(Keyword, "disable"), (Number.Integer, "1"), (Error, "x")]
    assert lex("j abc") == [(Keyword, "j"), (Error, "abc")]
    assert lex("u 2x") == [(Keyword, "u"), (Error, "2x")]
    assert lex("w -3") == [(Keyword, "w"), (Number.Integer, "-3")]


def test_list_range() -> None:
    assert lex("l 10, 20") == [
        (Keyword, "l"),
        (Number.Integer, "10"),
        (Punctuation, ","),
        (Number.Integer, "20"),
    ]
    assert lex("l .") == [(Keyword, "l"), (Punctuation, ".")]


def test_file_line_location() -> None:
    assert lex("b app/views.py:12") == [
        (Keyword, "b"),
        (String, "app/views.py"),
        (Punctuation, ":"),
        (Number.Integer, "12"),
    ]
    assert lex("cl views.py:7")[1:] == [
        (String, "views.py"),
        (Punctuation, ":"),
        (Number.Integer, "7"),
    ]
    assert lex("tbreak 30") == [(Keyword, "tbreak"), (Number.Integer, "30")]
    assert lex("b x.py:oops")[-1] == (Error, "oops")


def test_location_condition_is_python() -> None:
    tokens = lex("break views.py:12, user.id == 3")
    assert tokens[:5] == [
        (Keyword, "break"),
        (String, "views.py"),
        (Punctuation, ":"),
        (Number.Integer, "12"),
        (Punctuation, ","),
    ]
    assert tokens[5:] == [
        (Name, "user"),
        (Token.Operator, "."),
        (Name, "id"),
        (Token.Operator, "=="),
        (Number.Integer, "3"),
    ]


def test_function_location() -> None:
    assert lex("b mymod.handler") == [(Keyword, "b"), (Name.Function, "mymod.handler")]
    assert lex("b handler, x")[1:3] == [(Name.Function, "handler"), (Punctuation, ",")]


def test_condition_command() -> None:
    assert lex("condition 4 x > 1") == [
        (Keyword, "condition"),
        (Number.Integer, "4"),
        (Name, "x"),
        (Token.Operator, ">"),
        (Number.Integer, "1"),
    ]


def test_help_argument() -> None:
    assert lex("help break") == [(Keyword, "help"), (Name.Function, "break")]
    assert lex("h exec") == [(Keyword, "h"), (Name.Function, "exec")]
    assert lex("h nothing")[1] == (Token.Text, "nothing")


def test_double_semicolon_starts_a_new_command() -> None:
    assert lex("x = 1;; p x") == [
        (Name, "x"),
        (Token.Operator, "="),
        (Number.Integer, "1"),
        (Punctuation, ";;"),
        (Keyword, "p"),
        (Name, "x"),
    ]
    assert lex("n;;n") == [(Keyword, "n"), (Punctuation, ";;"), (Keyword, "n")]


def test_alias_body_is_a_pdb_line() -> None:
    assert lex("alias pl p locals()")[:3] == [
        (Keyword, "alias"),
        (Name.Variable, "pl"),
        (Keyword, "p"),
    ]


def test_client_commands() -> None:
    assert lex(":help") == [(Name.Builtin, ":help")]
    assert lex("  :detach") == [(Name.Builtin, ":detach")]
    assert lex(":nope") == [(Error, ":nope")]
    assert lex(":log logs/session.txt") == [(Name.Builtin, ":log"), (String, "logs/session.txt")]
    # What :send sends is a pdb line.
    assert lex(":send c") == [(Name.Builtin, ":send"), (Keyword, "c")]
    assert lex(":quit", PYTHON) == [(Name.Builtin, ":quit")]


def test_python_lexer_has_no_commands() -> None:
    assert lex("n = 1", PYTHON)[0] == (Name, "n")
    assert lex("p", PYTHON) == [(Name, "p")]
    assert lex("import os", PYTHON)[0] == (Keyword.Namespace, "import")
    assert PdbLexer(python_only=True).python_only


def test_statement_continues_on_following_lines() -> None:
    tokens = lex("!for i in x:\n    n += i")
    assert (Keyword, "for") in tokens
    assert (Name, "n") in tokens  # Python, not the command next
    # A command line is one line: the next line starts afresh.
    assert lex("p 1\nc")[-1] == (Keyword, "c")


def test_long_pasted_lines_do_not_recurse() -> None:
    for text in ("n;;" * 5000, "alias a " * 3000 + "p x"):
        check_covers(text, PDB)
    assert lex("n;;" * 3000)[-2:] == [(Keyword, "n"), (Punctuation, ";;")]


def test_get_tokens_keeps_newlines() -> None:
    text = "\np x\n\n"
    assert "".join(v for _, v in PDB.get_tokens(text)) == text


def test_works_inside_prompt_toolkit() -> None:
    from prompt_toolkit.document import Document
    from prompt_toolkit.lexers import PygmentsLexer

    line = PygmentsLexer(PdbLexer).lex_document(Document("b foo.py:3"))(0)
    assert "".join(fragment[1] for fragment in line) == "b foo.py:3"
    assert line[0] == ("class:pygments.keyword", "b")


_PIECES = st.sampled_from(
    [
        *"bpcl:;,!?$. \n\t\r0123456789x_'\"#()[]=\\",
        *("\u00e9", "\u0661", "\u3000", "\x1c"),  # a letter, a digit and spaces beyond ASCII
        *("break ", "p ", "cl ", ";;", ":send ", ":log ", "alias ", "condition ", "b foo.py:"),
        *("ignore ", "help ", "unalias ", "l ", "run ", "w ", '"""', "n"),
    ]
)


@settings(max_examples=400)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_pdb_like_text_round_trips(text: str) -> None:
    check_covers(text, PDB)
    check_covers(text, PYTHON)


@settings(max_examples=300)
@given(st.text())
def test_any_text_round_trips(text: str) -> None:
    check_covers(text, PDB)
    check_covers(text, PYTHON)


def test_lexer_does_not_import_prompt_toolkit() -> None:
    code = "import sys, rpdb_client.terminal.lexer; print('prompt_toolkit' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
