"""A config file may be someone else's: every way it can be hostile is one usage error (exit 2).

Deep nesting (a RecursionError in the parser), ``/dev/zero`` (a MemoryError once), a FIFO (a
hang once), a huge file, and 20,000 unknown keys (20 s and 20,000 warnings once). The real
command runs in a subprocess, bounded in time; the file is named in every message.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from debuggee import run_client


def refused(config: str, why: str) -> None:
    started = time.monotonic()
    result = run_client("--config", config, "--list", "--json", timeout=20)
    assert result.returncode == 2, result.stderr
    assert f"config file {config}" in result.stderr and why in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("nesting", ["array", "table"])
def test_deep_nesting_is_a_usage_error(tmp_path: Path, nesting: str) -> None:
    path = tmp_path / "config.toml"
    depth = 100_000
    text = "a = " + "[" * depth + "]" * depth if nesting == "array" else "a = " + "{b = " * depth
    path.write_text(text + "\n")
    refused(str(path), "not valid TOML")


def test_dev_zero_is_not_read() -> None:
    refused("/dev/zero", "not a regular file")


def test_a_fifo_is_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    refused(str(fifo), "not a regular file")


def test_a_huge_file_is_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# padding\n" * 200_000)  # 2 MB of comments: valid TOML, but no config
    refused(str(path), "larger than 1 MiB")


def test_20000_unknown_keys_are_one_quick_warning(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("".join(f"key{number} = {number}\n" for number in range(20_000)))
    started = time.monotonic()
    result = run_client("--config", str(path), "--list", "--json", timeout=20)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "20000 unknown keys, ignored" in warnings[0], warnings
    assert "and 19995 more" in result.stderr
    assert elapsed < 3, elapsed
