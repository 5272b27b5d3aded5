"""The REPL's history file: where it lives, its modes, what is kept, and failing softly."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from prompt_toolkit.buffer import Buffer

from rpdb_client.config import Settings
from rpdb_client.terminal.history import (
    ReplHistory,
    default_history_path,
    make_history,
    parse_history,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_default_path_follows_xdg_state_home(tmp_path: Path) -> None:
    assert default_history_path({"XDG_STATE_HOME": str(tmp_path)}) == (
        tmp_path / "rpdb-connect" / "history"
    )
    home = {"HOME": str(tmp_path)}
    expected = tmp_path / ".local" / "state" / "rpdb-connect" / "history"
    assert default_history_path(home) == expected
    # The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
    assert default_history_path({**home, "XDG_STATE_HOME": "relative"}) == expected


def test_file_is_private_in_a_private_directory(tmp_path: Path) -> None:
    warnings: list[str] = []
    settings = Settings()
    history = make_history(settings, {"XDG_STATE_HOME": str(tmp_path)}, warnings.append)
    history.append_string("p password")
    path = tmp_path / "rpdb-connect" / "history"
    assert path.exists()
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert warnings == []


def test_no_history_writes_nothing_but_remembers(tmp_path: Path) -> None:
    settings = Settings(history=False)
    history = make_history(settings, {"XDG_STATE_HOME": str(tmp_path)}, pytest.fail)
    history.append_string("p x")
    assert history.get_strings() == ["p x"]  # Up arrow still works within the run
    assert not (tmp_path / "rpdb-connect").exists()


def test_entries_round_trip_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "history"
    first = ReplHistory(path, pytest.fail)
    for entry in ["p x", "for i in range(3):\n    print(i)", "n"]:
        first.append_string(entry)
    second = ReplHistory(path, pytest.fail)
    assert list(second.load_history_strings()) == ["n", "for i in range(3):\n    print(i)", "p x"]


def test_space_prefixed_lines_and_repeats_are_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "history"
    history = ReplHistory(path, pytest.fail)
    buffer = Buffer(history=history)
    for text in ["p x", "p x", " p secret_token", "n", "n", "p x"]:
        buffer.text = text
        buffer.append_to_history()
    assert history.get_strings() == ["p x", "n", "p x"]
    assert "secret_token" not in path.read_text()
    assert parse_history(path.read_bytes()) == ["p x", "n", "p x"]


def test_unwritable_file_warns_once_and_keeps_memory(tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.mkdir()  # a directory where the file should be: every write fails
    warnings: list[str] = []
    history = ReplHistory(path, warnings.append)
    history.append_string("p x")
    history.append_string("p y")
    assert len(warnings) == 1, warnings
    assert str(path) in warnings[0] and "memory only" in warnings[0]
    assert history.get_strings() == ["p x", "p y"]


def test_unwritable_location_warns_once(tmp_path: Path) -> None:
    """A history path under a regular file cannot be created, by root either."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    warnings: list[str] = []
    history = ReplHistory(blocker / "sub" / "history", warnings.append)
    history.append_string("p x")
    history.append_string("p y")
    assert len(warnings) == 1, warnings
    assert history.get_strings() == ["p x", "p y"]  # kept for this run


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01\x02binary", b"+p x\n\xff\xfe\n", b"# 2024\n+p x\nnot a history line\n"],
    ids=["nul", "not-utf8", "foreign-line"],
)
def test_corrupt_file_warns_once_and_is_left_alone(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "history"
    path.write_bytes(content)
    path.chmod(0o600)  # a wider mode is tightened and said, whatever the content
    warnings: list[str] = []
    history = ReplHistory(path, warnings.append)
    assert list(history.load_history_strings()) == []
    history.append_string("p x")
    assert len(warnings) == 1, warnings
    assert "not a history file" in warnings[0]
    assert path.read_bytes() == content  # the user's file is never rewritten
    assert history.get_strings() == ["p x"]


def test_unreadable_file_warns(tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.mkdir()
    warnings: list[str] = []
    ReplHistory(path, warnings.append)
    assert len(warnings) == 1 and "cannot read" in warnings[0]


def test_history_file_option_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    history = make_history(Settings(history_file="~/h"), {}, pytest.fail)
    assert history.path == tmp_path / "h"
