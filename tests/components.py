"""What a test needs from the machine beyond the venv (another Python, a program), found or missed.

A test that cannot find what it needs must say so rather than pass. :func:`require_component`
skips it with the component's name on a user's machine, and fails it under CI (the environment
variable ``CI`` set, as CI services do), whose set-up is meant to provide every component.
:func:`find_python` finds one interpreter version, as pyenv installs them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Optional, TypeVar

import pytest

T = TypeVar("T")


def in_ci() -> bool:
    """Whether this run is CI's (``CI`` set to anything but empty, ``0`` or ``false``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def require_component(name: str, found: Optional[T], how: str = "") -> T:
    """``found``, unless it is None: then skip the test (fail it under CI), naming ``name``.

    ``how`` says how to provide it, e.g. ``"pyenv install 3.7"``.
    """
    if found is not None:
        return found
    message = f"{name} is not available on this machine" + (f" ({how})" if how else "")
    if in_ci():
        pytest.fail(f"{message}; CI must provide it", pytrace=False)
    pytest.skip(message)


def _pyenv_roots() -> Iterator[Path]:
    """Where pyenv may keep its versions; ``pyenv root`` is asked last (it costs a process)."""
    if os.environ.get("PYENV_ROOT"):
        yield Path(os.environ["PYENV_ROOT"])
    yield Path.home() / ".pyenv"
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            answer = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return  # a broken pyenv: python3.N on the PATH may still do
        yield Path(answer.stdout.strip())


def find_python(version: str) -> Optional[str]:
    """An interpreter of ``version`` (``"3.7"``): pyenv's newest ``3.7.N``, else ``python3.7``
    on the PATH; None when there is none."""
    release = re.compile(rf"^{re.escape(version)}\.(\d+)$")
    for root in _pyenv_roots():
        try:
            names = [path.name for path in (root / "versions").iterdir()]
        except OSError:
            continue
        matches = [match for match in map(release.match, names) if match]
        for match in sorted(matches, key=lambda match: int(match.group(1)), reverse=True):
            python = root / "versions" / match.group(0) / "bin" / "python"
            if os.access(python, os.X_OK):
                return str(python)
    return shutil.which(f"python{version}")
