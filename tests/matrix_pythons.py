"""The other Pythons a debugged program may run on, each with the servers importable by it.

For each pyenv interpreter 3.7-3.13 the matrix makes, once, a virtual environment without pip
beside the checkout (``.matrix-packages/3.X``, git ignores it) and installs rpdb and remote-pdb
into it with that interpreter's own pip; later runs reuse it (a marker file says it is complete).
A virtual environment, not ``pip --target`` on the base interpreter: the base may have IPython
(rpdb then switches to IPython's debugger) or pdb++ (it replaces pdb process-wide), and a venv
does not see the base's site-packages. A flavour (``"pdbpp"``) is a second environment with one
more package, so that pdb++ (or IPython, which rpdb then uses) reaches only the tests about it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

from components import find_python, require_component

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / ".matrix-packages"
VERSIONS = ("3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
SERVERS = ("rpdb", "remote-pdb")
FLAVOURS = {"": (), "pdbpp": ("pdbpp",), "ipython": ("ipython",)}
_COMPLETE = "installed.txt"


def _install(python: str, where: Path, packages: tuple[str, ...]) -> Optional[str]:
    """Make the environment ``where`` for ``python`` with ``packages``; None or what failed."""
    made = subprocess.run(
        [python, "-m", "venv", "--without-pip", "--clear", str(where)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if made.returncode != 0:
        return made.stderr.strip()
    inside = where / "bin" / "python"
    purelib = subprocess.run(
        [str(inside), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--target", purelib, *packages],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    if installed.returncode != 0:
        return installed.stderr.strip()[-2000:]
    (where / _COMPLETE).write_text("\n".join(packages) + "\n")
    return None


def python_with_servers(version: str, flavour: str = "") -> str:
    """The interpreter of an environment of Python ``version`` that imports rpdb and remote-pdb
    (and pdb++ for the ``"pdbpp"`` flavour); the test is skipped, or failed under CI, without
    that Python."""
    base = require_component(f"Python {version}", find_python(version), f"pyenv install {version}")
    where = PACKAGES / (version + (f"-{flavour}" if flavour else ""))
    packages = SERVERS + FLAVOURS[flavour]
    if not (where / _COMPLETE).exists():
        failure = _install(base, where, packages)
        if failure:
            require_component(f"{', '.join(packages)} for Python {version}", None, failure)
    return str(where / "bin" / "python")


def python_before_313() -> str:
    """An interpreter for a program whose pdb is older than 3.13's (which reads multi-line
    input, and lets ``interact`` be left with ``exit()``): this one, or pyenv's 3.12."""
    return sys.executable if sys.version_info < (3, 13) else python_with_servers("3.12")
