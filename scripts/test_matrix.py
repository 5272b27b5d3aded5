"""Run the test suite under this Python and under the oldest and newest the client supports.

Usage: ``python scripts/test_matrix.py [PYTEST ARGS...]`` (the README's test command; .ci/run
runs it). For each interpreter, in turn: a virtual environment in the checkout (the active one
for this Python, else ``.venv-X.Y``, made on the first run and reused), ``pip install -e
'.[test]'`` into it, then ``python -m pytest`` with the arguments given. One after the other,
not side by side: the suite has timing tests, and CI has two cores.

The other Pythons are found as ``python3.X`` on PATH, else under pyenv. A missing one is reported
and skipped on a developer's machine; when ``CI`` is set it fails the run. The exit status is 0
only if every run passed. The last line adds up the runs in the form CI reads.

Standard library only, and runs on every Python the client supports.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
OLDEST = (3, 9)
NEWEST = (3, 13)
COUNTED = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def find_python(version: tuple[int, int]) -> Optional[Path]:
    """An interpreter of ``version``: ``python3.X`` on PATH, else pyenv's newest patch of it.

    A pyenv shim on PATH is passed over for the interpreter itself: a shim runs only the
    versions that ``pyenv global`` or ``local`` names.
    """
    found = shutil.which("python{}.{}".format(*version))
    if found and Path(found).parent.name != "shims":
        return Path(found)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    prefix = "{}.{}.".format(*version)
    candidates = [
        path / "bin" / "python"
        for path in pyenv.glob(prefix + "*")
        if path.name[len(prefix) :].isdigit() and (path / "bin" / "python").exists()
    ]
    candidates.sort(key=lambda path: int(path.parent.parent.name[len(prefix) :]))
    return candidates[-1] if candidates else None


def environment_for(python: Path, version: tuple[int, int]) -> Path:
    """The virtual environment's interpreter for ``python``: made once, then reused."""
    if version == sys.version_info[:2] and sys.prefix != sys.base_prefix:
        return Path(sys.executable)  # this Python's active environment
    venv = ROOT / ".venv-{}.{}".format(*version)
    inside = venv / "bin" / "python"
    if not inside.exists():
        print(f"making {venv.name} with {python}", flush=True)
        subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
        upgrade = [str(inside), "-m", "pip", "install", "--quiet", "--upgrade", "pip"]
        subprocess.run(upgrade, check=True)
    return inside


def run_suite(python: Path, pytest_args: list[str]) -> tuple[int, str]:
    """Install the checkout into ``python``'s environment and run the tests there.

    Returns pytest's exit status and its closing line (what it counted).
    """
    bin_dir = python.parent
    env = dict(os.environ, VIRTUAL_ENV=str(bin_dir.parent))
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    install = [str(python), "-m", "pip", "install", "--quiet", "-e", ".[test]"]
    if subprocess.run(install, cwd=ROOT, env=env).returncode != 0:
        return 1, "pip install -e '.[test]' failed"
    tests = subprocess.Popen(
        [str(python), "-m", "pytest", *pytest_args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert tests.stdout is not None
    closing = ""
    for line in tests.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if line.strip():
            closing = line.strip()
    return tests.wait(), closing


def counts(closing: str) -> dict[str, int]:
    """``'== 3 failed, 660 passed, 1 skipped in 99.5s =='`` -> ``{'failed': 3, ...}``."""
    found = dict.fromkeys(COUNTED, 0)
    for number, word in re.findall(r"(\d+) (\w+)", closing):
        word = "error" if word == "errors" else word
        if word in found:
            found[word] += int(number)
    return found


def main() -> int:
    pytest_args = sys.argv[1:]
    versions = [sys.version_info[:2]]
    versions += [version for version in (OLDEST, NEWEST) if version not in versions]
    results: list[tuple[str, str, float]] = []
    totals = dict.fromkeys(COUNTED, 0)
    failed_runs = 0
    for version in versions:
        name = "Python {}.{}".format(*version)
        python = Path(sys.executable) if version == versions[0] else find_python(version)
        if python is None:
            verdict = "not found (install it, e.g. with pyenv)"
            if os.environ.get("CI"):
                failed_runs += 1
                verdict += ": required in CI"
            results.append((name, verdict, 0.0))
            continue
        print(f"\n=== {name}: {python}", flush=True)
        started = time.monotonic()
        status, closing = run_suite(environment_for(python, version), pytest_args)
        for word, number in counts(closing).items():
            totals[word] += number
        failed_runs += status != 0
        verdict = ("passed" if status == 0 else f"FAILED (exit status {status})") + f": {closing}"
        results.append((name, verdict, time.monotonic() - started))
    print("\n=== the test matrix")
    for name, verdict, seconds in results:
        print(f"{name}: {verdict}" + (f" [{seconds:.0f} s]" if seconds else ""))
    failed = totals["failed"] + totals["error"]
    print(f"matrix: {totals['passed']} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
