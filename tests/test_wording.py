"""The client's sentences: one module says them, both front ends use it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rpdb_client.engine import wording

PACKAGE = Path(wording.__file__).parents[1]
FRONT_ENDS = [PACKAGE / "line_mode.py", *sorted((PACKAGE / "terminal").glob("*.py"))]
SAYING = {"notice", "on_notice", "_give_up", "_warn"}


def test_addresses_and_waiting() -> None:
    assert wording.address("127.0.0.1", 4444) == "127.0.0.1:4444"
    assert wording.address("::1", 4444) == "[::1]:4444"
    assert wording.waiting("h:1", 0, "Ctrl-C") == "waiting for a debugger on h:1 (Ctrl-C to stop)"
    assert wording.waiting("h:1", 2, "Ctrl-C").startswith("waiting again for a debugger")


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda path: path.name)
def test_front_ends_take_their_sentences_from_wording(path: Path) -> None:
    """A notice written in place is how the two front ends came to say one thing two ways."""
    written_here = [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SAYING
        and node.args
        and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
    ]
    assert written_here == []


def test_the_readme_scene_says_what_the_repl_says_while_waiting() -> None:
    """The scene runs `rpdb-connect --wait` in a terminal: the REPL's words (issue 13 item 15)."""
    readme = (PACKAGE.parent / "README.md").read_text()
    scene = readme.split("## The scene", 1)[1].split("\n## ", 1)[0]
    said = [line for line in scene.splitlines() if line.startswith("rpdb-connect: waiting")]
    keys = wording.STOP_WAITING_KEYS["repl"]
    assert said == [
        "rpdb-connect: " + wording.waiting("127.0.0.1:4444", done, keys) for done in (0, 1)
    ]


def test_no_line_of_help_is_wider_than_100_columns() -> None:
    """`:help` ended with a line of 175 characters, wrapped anyhow by the terminal."""
    from rpdb_client.vocabulary.client_commands import client_help_text

    states = {":python": "off", ":bell": "on", ":toolbar": "on", ":ascii": "off", ":pager": "on"}
    text = client_help_text(states) + "\n" + wording.KEYS_HELP
    assert max(len(line) for line in text.splitlines()) <= 100, text


def test_the_questions_are_true_of_every_server() -> None:
    """celery's rdb overrides set_quit: q stops debugging there, it raises no BdbQuit; and the
    interact warning does not call exit() a way back while saying it ends the program."""
    from rpdb_client.vocabulary.commands import INTERACT_RISK, QUIT_RISK

    assert "celery's rdb stops debugging instead and lets the task run" in QUIT_RISK.warning
    assert "way back to pdb is exit()" not in INTERACT_RISK.warning
    assert "no way back to pdb" in INTERACT_RISK.warning
