"""The pdb vocabulary: complete against the running pdb, aliases, effects, line splitting."""

from __future__ import annotations

import cmd
import pdb
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rpdb_client.vocabulary.commands import (
    COMMAND_LIST_COMMANDS,
    COMMANDS,
    EXIT_RISK,
    HELP_TOPICS,
    INTERACT_RISK,
    PYTHON_CALL_RISKS,
    QUIT_RISK,
    ArgKind,
    Effect,
    PromptMode,
    command_word,
    find_command,
    split_command,
    split_commands,
)

# Commands younger than the oldest pdb the table covers (3.9), with the version that added them.
NEWER = {"exceptions": (3, 13)}


def test_every_command_of_the_running_pdb_is_known_and_nothing_else() -> None:
    pdb_words = {name[3:] for name in dir(pdb.Pdb) if name.startswith("do_")}
    ours = {
        word
        for command in COMMANDS
        if NEWER.get(command.name, (3, 9)) <= sys.version_info[:2]
        for word in command.words
        if word not in ("!", "?")
    }
    assert ours == pdb_words


@pytest.mark.parametrize(
    ("word", "name"),
    [
        ("b", "break"),
        ("break", "break"),
        ("cl", "clear"),
        ("c", "continue"),
        ("cont", "continue"),
        ("s", "step"),
        ("n", "next"),
        ("unt", "until"),
        ("r", "return"),
        ("j", "jump"),
        ("l", "list"),
        ("ll", "longlist"),
        ("a", "args"),
        ("q", "quit"),
        ("exit", "quit"),
        ("w", "where"),
        ("bt", "where"),
        ("u", "up"),
        ("d", "down"),
        ("h", "help"),
        ("?", "help"),
        ("restart", "run"),
        ("rv", "retval"),
        ("!", "!"),
        ("EOF", "EOF"),
        ("exceptions", "exceptions"),
    ],
)
def test_find_command_resolves_aliases(word: str, name: str) -> None:
    command = find_command(word)
    assert command is not None
    assert command.name == name
    assert word in command.words


def test_unknown_words_and_command_list_words() -> None:
    assert find_command("x") is None
    assert find_command("") is None
    assert find_command("Break") is None  # pdb is case-sensitive
    assert find_command("end") is None
    silent = find_command("silent", command_list=True)
    assert silent is not None and silent.name == "silent"
    end = find_command("end", command_list=True)
    assert end is not None and end.enters is PromptMode.PDB
    assert find_command("p", command_list=True) is find_command("p")
    assert all("end" not in command.words for command in COMMANDS)
    assert {c.name for c in COMMAND_LIST_COMMANDS} == {"silent", "end"}


def test_each_word_belongs_to_exactly_one_command() -> None:
    words = [word for command in COMMANDS for word in command.words]
    assert len(words) == len(set(words))
    assert len(words) == 59
    assert all(find_command(word) is not None for word in words)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("p", ArgKind.EXPRESSION),
        ("pp", ArgKind.EXPRESSION),
        ("whatis", ArgKind.EXPRESSION),
        ("display", ArgKind.EXPRESSION),
        ("!", ArgKind.STATEMENT),
        ("debug", ArgKind.STATEMENT),
        ("b", ArgKind.LOCATION),
        ("tbreak", ArgKind.LOCATION),
        ("cl", ArgKind.BREAKPOINTS_OR_LOCATION),
        ("disable", ArgKind.BREAKPOINTS),
        ("enable", ArgKind.BREAKPOINTS),
        ("commands", ArgKind.BREAKPOINT),
        ("condition", ArgKind.BREAKPOINT_CONDITION),
        ("ignore", ArgKind.BREAKPOINT_COUNT),
        ("u", ArgKind.COUNT),
        ("w", ArgKind.COUNT),
        ("j", ArgKind.LINE),
        ("unt", ArgKind.LINE),
        ("l", ArgKind.LINE_RANGE),
        ("h", ArgKind.COMMAND_NAME),
        ("alias", ArgKind.TEXT),
        ("s", ArgKind.NONE),
        ("c", ArgKind.NONE),
    ],
)
def test_argument_kinds(word: str, kind: ArgKind) -> None:
    command = find_command(word)
    assert command is not None and command.arg is kind


@pytest.mark.parametrize("word", ["s", "n", "r", "unt", "c"])
def test_resuming_commands(word: str) -> None:
    command = find_command(word)
    assert command is not None and command.effect is Effect.RESUMES


@pytest.mark.parametrize("word", ["q", "quit", "exit", "EOF", "run"])
def test_ending_commands(word: str) -> None:
    command = find_command(word)
    assert command is not None and command.effect is Effect.ENDS


def test_continue_ends_the_session_on_rpdb_and_celery_only() -> None:
    command = find_command("c")
    assert command is not None
    assert command.effect_on("rpdb") is Effect.ENDS
    assert command.effect_on("celery") is Effect.ENDS
    assert command.effect_on("remote-pdb") is Effect.RESUMES
    assert command.effect_on("pdb") is Effect.RESUMES
    assert command.effect_on(None) is Effect.RESUMES
    step = find_command("s")
    assert step is not None and step.effect_on("rpdb") is Effect.RESUMES


def test_jump_and_printing_commands_stay_at_the_prompt() -> None:
    for word in ("j", "p", "l", "w", "b", "interact", "commands"):
        command = find_command(word)
        assert command is not None and command.effect is Effect.STAYS, word


def test_commands_that_end_a_command_list_match_the_running_pdb() -> None:
    resuming = {name[3:] for name in pdb.Pdb.commands_resuming}
    ours = {c.name for c in COMMANDS if c.ends_command_list}
    # 3.14 adds `until`; the table follows 3.9-3.13, where until does not end the list.
    assert ours == resuming - {"until"}
    assert ours == {"continue", "step", "next", "return", "quit", "jump"}


def test_prompts_that_follow() -> None:
    expected = {"commands": PromptMode.COMMANDS, "interact": PromptMode.PYTHON}
    for word, mode in expected.items():
        command = find_command(word)
        assert command is not None and command.enters is mode
    debug = find_command("debug")
    assert debug is not None and debug.enters is PromptMode.PDB
    p = find_command("p")
    assert p is not None and p.enters is None
    assert [c.name for c in COMMANDS if c.asks_confirmation] == ["clear"]


def test_help_and_synopsis_are_one_plain_line() -> None:
    for command in (*COMMANDS, *COMMAND_LIST_COMMANDS):
        assert command.help.endswith("."), command.name
        assert "\n" not in command.help
        assert 10 <= len(command.help) <= 96, command.name
        assert command.synopsis.split(" ")[0].replace("(", "").replace(")", "") in (
            command.name,
            "ll",  # "ll | longlist"
        ), command.synopsis


def test_hidden_flag_and_help_topics() -> None:
    assert [c.name for c in COMMANDS if c.hidden] == ["EOF"]
    assert HELP_TOPICS == ("exec",)


def test_replies_that_are_python() -> None:
    assert [c.name for c in COMMANDS if c.repr_reply] == ["retval", "args", "p", "pp"]


def test_risky_commands_and_their_questions() -> None:
    risky = {c.name: c.risk for c in (*COMMANDS, *COMMAND_LIST_COMMANDS) if c.risk}
    assert risky == {"interact": INTERACT_RISK, "quit": QUIT_RISK, "EOF": QUIT_RISK}
    exit_ = QUIT_RISK.about("exit")
    assert exit_.key == "quit" and exit_.question == "Send exit anyway? [y/N] "
    assert exit_.warning.startswith("exit raises BdbQuit in the program")
    assert set(PYTHON_CALL_RISKS) == {"exit", "quit"}
    for risk in (QUIT_RISK, INTERACT_RISK, EXIT_RISK):
        assert risk.question.endswith("? [y/N] ") and risk.warning.endswith(".")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("p x", ("p", "x")),
        ("p(x)", ("p", "(x)")),
        ("  n = 1  ", ("n", "= 1")),
        ("!x = 1", ("!", "x = 1")),
        ("?b", ("?", "b")),
        ("request.headers", ("request", ".headers")),
        ("(x)", ("", "(x)")),
        ("", ("", "")),
    ],
)
def test_split_command_examples(line: str, expected: tuple[str, str]) -> None:
    assert split_command(line) == expected


def _pdb_parseline(line: str) -> tuple[str, str]:
    # cmd.Cmd without do_shell, like pdb.Pdb: what pdb really does with a line.
    word, arg, rest = cmd.Cmd().parseline(line)
    if rest.startswith("help ") and line.strip().startswith("?"):
        return "?", (arg or "")
    if word is None:
        return ("!", rest[1:].strip()) if rest.startswith("!") else ("", "")
    return word, (arg or "")


@given(st.text(alphabet=st.sampled_from(list("pb!?( )x1_.=\t;é")), max_size=12))
def test_split_command_is_cmd_parseline(line: str) -> None:
    assert split_command(line) == _pdb_parseline(line)


def test_command_word() -> None:
    assert command_word("p(x)") == "p"
    assert command_word("!x") == "!"
    assert command_word("?") == "?"
    assert command_word("(x)") == ""
    assert command_word("tbreak foo") == "tbreak"


@pytest.mark.parametrize(
    ("line", "pieces"),
    [
        ("p 1;; p 2;;p 3", ["p 1", "p 2", "p 3"]),
        ("p 1", ["p 1"]),
        ("alias x p 1;; p 2", ["alias x p 1;; p 2"]),
        ("p 1 ;; alias y a;;b", ["p 1", "alias y a;;b"]),
        ("p 'a;;b'", ["p 'a", "b'"]),  # pdb splits inside quotes too
        (";;", ["", ""]),
    ],
)
def test_split_commands(line: str, pieces: list[str]) -> None:
    assert split_commands(line) == pieces


def test_commands_imports_the_standard_library_only() -> None:
    code = (
        "import sys, rpdb_client.vocabulary.commands, rpdb_client.vocabulary.client_commands; "
        "bad = [m for m in ('prompt_toolkit', 'pygments', 'click') if m in sys.modules]; "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
