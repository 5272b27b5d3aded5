"""The history and the transcript are the user's alone: planted files are refused, not followed.

The attacker is user ``nobody`` (through ``setpriv``), planting symlinks and files in a shared
directory before the client (root, as the tests run) writes there. The rules are OpenSSH's
StrictModes: see rpdb_client/output/private_files.py. Each refusal is one clear message, and
the run goes on without the file.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
from debuggee import Debuggee, run_client
from test_squatting import AS_NOBODY

from rpdb_client.output.private_files import RefusedFile, open_private
from rpdb_client.output.transcript import Transcript
from rpdb_client.terminal.history import ReplHistory

Start = Callable[..., Debuggee]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def as_nobody(*command: str) -> None:
    subprocess.run([*AS_NOBODY, *command], check=True, timeout=10, capture_output=True)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A directory every user may write to, like /tmp (sticky), and a file of nobody's."""
    if os.getuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to plant files as another user")
    directory = Path(tempfile.mkdtemp(prefix="rpdb-shared-"))  # pytest's is closed to nobody
    directory.chmod(0o1777)
    as_nobody("/bin/sh", "-c", f"echo attacker > {directory}/attacker.txt")
    yield directory
    shutil.rmtree(directory)


def test_an_existing_0644_history_is_tightened_and_said_once(tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.write_text("\n# 2025-01-01 00:00:00\n+p secret\n")
    path.chmod(0o644)
    warnings: list[str] = []
    history = ReplHistory(path, warnings.append)
    history.append_string("p more")
    history.append_string("p again")
    assert mode(path) == 0o600
    assert len(warnings) == 1 and "was readable by other users (mode 0644)" in warnings[0]
    assert list(history.load_history_strings()) == ["p secret"]
    assert "+p again" in path.read_text()


@pytest.mark.parametrize("where", ["sticky", "world-writable"])
def test_a_planted_history_symlink_is_not_followed(shared: Path, where: str) -> None:
    directory = shared
    if where == "world-writable":
        directory = shared / "open"
        as_nobody("/bin/mkdir", "-m", "0777", str(directory))  # no sticky bit
    state = directory / "rpdb-connect"
    as_nobody("/bin/mkdir", "-m", "0777", str(state))
    link = state / "history"
    planted = shared / "attacker-history"  # empty: a history the client would read and extend
    as_nobody("/usr/bin/touch", str(planted))
    as_nobody("/bin/ln", "-s", str(planted), str(link))
    warnings: list[str] = []
    history = ReplHistory(link, warnings.append)
    history.append_string("p password")
    assert planted.read_text() == ""
    assert len(warnings) == 1 and "memory only" in warnings[0], warnings
    assert history.get_strings() == ["p password"]  # the session goes on, in memory


def test_a_file_of_another_user_is_refused(shared: Path) -> None:
    with pytest.raises(RefusedFile, match="belongs to another user"):
        open_private(str(shared / "attacker.txt"), write=True)
    assert (shared / "attacker.txt").read_text() == "attacker\n"


def test_a_file_others_may_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.touch()
    path.chmod(0o666)
    with pytest.raises(RefusedFile, match=r"other users may write to it \(mode 0666\)"):
        open_private(str(path), write=True)


def test_a_directory_others_may_write_without_the_sticky_bit_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "open"
    directory.mkdir()
    directory.chmod(0o777)
    with pytest.raises(RefusedFile, match="other users may write to"):
        open_private(str(directory / "log"), write=True)
    assert not (directory / "log").exists()


def test_a_planted_fifo_does_not_hang(shared: Path, tmp_path: Path) -> None:
    fifo = shared / "fifo"
    as_nobody("/usr/bin/mkfifo", "-m", "0600", str(fifo))
    with pytest.raises(RefusedFile):
        open_private(str(fifo), write=True)
    mine = tmp_path / "my-fifo"
    os.mkfifo(mine, 0o600)
    with pytest.raises(RefusedFile, match="not a regular file"):
        open_private(str(mine), write=False)


def test_a_new_transcript_is_0600_and_a_0644_one_is_tightened(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.log"
    Transcript.open(str(fresh)).close()
    assert mode(fresh) == 0o600
    old = tmp_path / "old.log"
    old.write_text("earlier\n")
    old.chmod(0o644)
    transcript = Transcript.open(str(old))
    transcript.close()
    assert transcript.tightened_from == 0o644 and mode(old) == 0o600


def test_log_to_a_planted_symlink_is_refused_and_the_session_goes_on(
    shared: Path, debuggee: Start
) -> None:
    beside = shared / "logs"
    beside.mkdir()
    beside.chmod(0o777)  # world-writable without the sticky bit: anyone may plant a link
    link = beside / "session.log"
    as_nobody("/bin/ln", "-s", str(shared / "attacker.txt"), str(link))
    program = debuggee("rpdb", "simple")
    result = run_client("--port", str(program.port), "--log", str(link), stdin="x = 99\n")
    assert result.returncode == 0, result.stderr
    assert "cannot write the transcript" in result.stderr
    assert "other users may write to" in result.stderr and "going on without it" in result.stderr
    record = program.finish()
    assert record["error"] is None and record["reached_end"] and record["values"]["x"] == 99
    assert (shared / "attacker.txt").read_text() == "attacker\n"
