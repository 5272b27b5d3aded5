"""House rules: ruff and mypy clean, modules under 400 lines, CI runs the README's test command.

The layering (which layer may import which) is tests/test_layers.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_linters_pass(command: list[str]) -> None:
    if command[0] == "mypy" and sys.version_info < (3, 10):
        pytest.skip("type-checked under the newer Pythons of the test matrix (see pyproject.toml)")
    executable = shutil.which(command[0], path=str(Path(sys.executable).parent))
    assert executable, f"{command[0]} is a test dependency and must be installed"
    result = subprocess.run(
        [executable, *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """CI proves what the README promises: its last command is the README's test command."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tests_section = readme.split("\n## Tests\n", 1)[1]
    readme_command = re.findall(r"```sh\n(.*?)\n```", tests_section, re.DOTALL)[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ci_command = [line for line in ci if line.strip() and not line.startswith("#")][-1]
    assert ci_command == readme_command
    try_it = readme.split("\n## Try it", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"```sh\n(.*?)\n```", try_it, re.DOTALL)[-1] == readme_command


LONGEST_MODULE = 400


def test_modules_stay_under_400_lines() -> None:
    """A module that grows past 400 lines has more than one job: split it by what it owns."""
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted((ROOT / "rpdb_client").rglob("*.py"))
    }
    too_long = {name: lines for name, lines in lengths.items() if lines > LONGEST_MODULE}
    assert not too_long, f"over {LONGEST_MODULE} lines: {too_long}"


def test_the_build_asks_for_a_setuptools_that_reads_its_license() -> None:
    """``license = "MIT"`` (an SPDX expression) stops setuptools before 77; a build without
    isolation uses whatever setuptools is installed, so the requirement must say so."""
    from packaging.requirements import Requirement

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)
    setuptools = next(
        Requirement(text)
        for text in project["build-system"]["requires"]
        if Requirement(text).name == "setuptools"
    )
    assert not setuptools.specifier.contains("76.1")
    assert setuptools.specifier.contains("77.0")
    assert project["project"]["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text()
