"""The ``:log FILE`` transcript: private, appended, timestamped, plain text."""

from __future__ import annotations

import datetime
import re
import stat
from pathlib import Path

import pytest

from rpdb_client.output.transcript import Transcript

STAMP = r"\d\d:\d\d:\d\d\.\d\d\d"


def test_file_is_created_private_and_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "session.log"
    path.write_text("earlier run\n")
    path.chmod(0o600)
    log = Transcript.open(str(path))
    log.user("p x")
    log.close()
    assert path.read_text().startswith("earlier run\n")
    fresh = tmp_path / "new.log"
    Transcript.open(str(fresh)).close()
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600


def test_header_lines_and_times(tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    log = Transcript.open(str(path))
    log.header("127.0.0.1:4444", "127.0.0.1:4444", 1)
    log.output("> /srv/app.py(12)index()\n-> return x\n")
    log.user("p x")
    log.output("1\n")
    log.note("session ended: the program continued")
    log.close()
    lines = path.read_text().splitlines()
    assert re.fullmatch(
        r"=== \d{4}-\d\d-\d\d \d\d:\d\d:\d\d session 1: "
        r"target 127\.0\.0\.1:4444, peer 127\.0\.0\.1:4444 ===",
        lines[0],
    )
    assert re.fullmatch(rf"{STAMP} \| > /srv/app\.py\(12\)index\(\)", lines[1])
    assert re.fullmatch(rf"{STAMP} \| -> return x", lines[2])
    assert re.fullmatch(rf"{STAMP} > p x", lines[3])
    assert re.fullmatch(rf"{STAMP} \| 1", lines[4])
    assert re.fullmatch(rf"{STAMP} # session ended: the program continued", lines[5])
    assert len(lines) == 6


def test_times_come_from_the_clock_it_is_given(tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    times = [1_700_000_000.0, 1_700_000_001.25, 1_700_000_002.5]
    log = Transcript.open(str(path), iter(times).__next__)
    log.header("127.0.0.1:4444", "127.0.0.1:5555", 1)
    log.user("p x")
    log.output("1\n")
    log.close()
    local = [datetime.datetime.fromtimestamp(when) for when in times]
    assert path.read_text().splitlines() == [
        f"=== {local[0]:%Y-%m-%d %H:%M:%S} session 1: target 127.0.0.1:4444, peer 127.0.0.1:5555"
        " ===",
        f"{local[1]:%H:%M:%S}.250 > p x",
        f"{local[2]:%H:%M:%S}.500 | 1",
    ]


def test_pieces_join_into_lines_and_colour_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    log = Transcript.open(str(path))
    for piece in [
        "\x1b[01;32mipdb\x1b",
        "[00m> tick",
        " 1\nti",
        "ck 2\r\n\x07bell\x1b]0;title\x07",
    ]:
        log.output(piece)
    log.user("c")  # a line cut short by what comes next is written on its own
    log.close()
    body = [line.split(" ", 2)[2] for line in path.read_text().splitlines()]
    assert body == ["ipdb> tick 1", "tick 2", "bell0;title", "c"]


def test_open_failure_is_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        Transcript.open(str(tmp_path))  # a directory
