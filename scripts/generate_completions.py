"""Regenerate completions/ from the installed ``rpdb-connect`` command (never edit them by hand).

Usage: ``python scripts/generate_completions.py`` writes the three scripts;
``python scripts/generate_completions.py --check`` only says which differ (exit status 1).

Each script is what click prints for ``_RPDB_CONNECT_COMPLETE={bash,zsh,fish}_source``: a thin
shell function that calls ``rpdb-connect`` back on every Tab, so option names and values always
come from the command itself. The scripts do depend on click's version: the script refuses to
run (exit status 2, nothing written) when the installed click is one that pyproject.toml excludes
(8.4.0 writes a broken fish script), and tests/test_shell_completion.py fails when they drift.
Reads the requirement with ``packaging`` (installed with the test extras, through pytest).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Optional

from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the package's own dependency on older Pythons
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = {
    "bash": "rpdb-connect.bash",
    "zsh": "_rpdb-connect",
    "fish": "rpdb-connect.fish",
}


def command() -> list[str]:
    """The installed console script next to this interpreter, else the module."""
    installed = shutil.which("rpdb-connect", path=str(Path(sys.executable).parent))
    return [installed] if installed else [sys.executable, "-m", "rpdb_client"]


def click_refused(installed: Optional[str], pyproject: Path = ROOT / "pyproject.toml") -> str:
    """Why the installed click must not write the scripts ("" when it may)."""
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    text = next(text for text in dependencies if Requirement(text).name == "click")
    if installed is None:
        return f"click is not installed here; pyproject.toml requires {text}"
    if not Requirement(text).specifier.contains(installed, prereleases=True):
        return (
            f"the installed click {installed} is excluded by pyproject.toml ({text}): "
            "its scripts would not be the ones users get; install a click it allows"
        )
    return ""


def installed_click() -> Optional[str]:
    try:
        return version("click")
    except PackageNotFoundError:
        return None


def generate(shell: str) -> str:
    """The completion script click generates for ``shell``."""
    env = dict(os.environ, _RPDB_CONNECT_COMPLETE=f"{shell}_source")
    result = subprocess.run(
        command(), env=env, capture_output=True, text=True, timeout=60, check=True
    )
    # click before 8.2 ends the script with one more newline: the same script either way.
    return result.stdout.rstrip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a change")
    args = parser.parse_args()
    refused = click_refused(installed_click())
    if refused:
        print(f"generate_completions: {refused}", file=sys.stderr)
        return 2
    stale = []
    for shell, name in SCRIPTS.items():
        path = ROOT / "completions" / name
        text = generate(shell)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(str(path.relative_to(ROOT)))
        if not args.check:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
    verb = "differ from the command" if args.check else "written"
    for name in stale:
        print(f"{name}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
