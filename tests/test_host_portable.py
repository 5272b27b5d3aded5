"""host/ on its own, under the oldest and the newest Python it supports.

host/ is to be copied to another machine and run there by its ``python3``, which may be 3.7
(Amazon Linux 2). So only the host/ folder is copied to a temporary directory, and pyenv's 3.7 and
3.13 run its discovery from there in isolated mode (``-I``: no site-packages, no PYTHONPATH, not
this checkout) against a real rpdb that the test starts: the listener found must be that
process's, on that port, and it must still be waiting afterwards. An interpreter that cannot be
found skips the test by name (fails it under CI: tests/components.py).

A second test reads every host module's imports: only the standard library and host itself.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any, Callable

import pytest
from components import find_python, require_component
from debuggee import Debuggee

HOST = Path(__file__).resolve().parent.parent / "rpdb_client" / "host"
OLDEST, NEWEST = "3.7", "3.13"
"""The Pythons host/ must run on: Amazon Linux 2's, and the newest the project supports."""

# Run by the other interpreter, with the copy's parent directory, the PID and the port.
DISCOVER = r"""
import dataclasses, json, os, sys
sys.path.insert(0, sys.argv[1])
import host
from host.discovery import ListenerScan, find_debuggers, find_listener_owner
from host.listeners import list_listeners
from host.processes import ProcessInfo, describe_process
from host.worker_limits import find_worker_timeout

pid, port = int(sys.argv[2]), int(sys.argv[3])
me, process = describe_process(os.getpid()), describe_process(pid)
owner = find_listener_owner(port)


def timeout(*argv):
    # This process under a server's command line: the limit is read from argv and /proc.
    worker = ProcessInfo(me.pid, None, me.uid, me.user, argv[0], argv, argv[0])
    found = find_worker_timeout(worker)
    return dataclasses.asdict(found) if found else None


print(json.dumps({
    "version": list(sys.version_info[:2]),
    "loaded_from": os.path.dirname(host.__file__),
    "package_modules": sorted(m for m in sys.modules if m.startswith("rpdb_client")),
    "listeners": [dataclasses.asdict(e) for e in list_listeners() if e.port == port],
    "process": dict(dataclasses.asdict(process), command=process.command),
    "candidates": [c.to_json() for c in find_debuggers() if c.port == port],
    "owner": owner.pid if owner else None,
    "scan": [[e.port, p.pid] for e, p in ListenerScan([pid]).waiting()],
    "harakiri": timeout("uwsgi", "--harakiri", "9"),
    "gunicorn": timeout("gunicorn", "--timeout=12", "app:app"),
}))
"""


@pytest.mark.parametrize("version", [OLDEST, NEWEST], ids=["oldest", "newest"])
def test_host_discovery_runs_alone_on(
    version: str, debuggee: Callable[..., Debuggee], tmp_path: Path
) -> None:
    how = f"pyenv install {version}"
    python = require_component(f"Python {version}", find_python(version), how)
    shutil.copytree(HOST, tmp_path / "host", ignore=shutil.ignore_patterns("__pycache__"))
    program = debuggee("rpdb", "simple")
    pid, port = program.process.pid, program.port
    result = subprocess.run(
        [python, "-I", "-c", DISCOVER, str(tmp_path), str(pid), str(port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    assert found["version"] == [int(part) for part in version.split(".")]
    assert found["loaded_from"] == str(tmp_path / "host")
    assert found["package_modules"] == []
    [listener] = found["listeners"]
    assert listener["address"] == "127.0.0.1" and listener["backlog"] in (1, None)
    assert found["process"]["pid"] == pid and "target.py" in found["process"]["command"]
    assert found["process"]["label"] == "python target.py"
    [candidate] = found["candidates"]
    assert (candidate["pid"], candidate["port"]) == (pid, port)
    assert candidate["owner_known"] is True and candidate["clients"] == 0
    assert found["owner"] == pid
    # --wait --any needs the backlog, which only sock_diag netlink gives.
    assert found["scan"] == ([[port, pid]] if listener["backlog"] == 1 else [])
    assert found["harakiri"] == {"seconds": 9.0, "source": "uwsgi --harakiri", "kind": "harakiri"}
    assert found["gunicorn"] == {
        "seconds": 12.0,
        "source": "gunicorn --timeout",
        "kind": "gunicorn-timeout",
    }
    assert program.process.poll() is None  # never connected to: still waiting


def _is_standard_library(name: str) -> bool:
    names = getattr(sys, "stdlib_module_names", None)  # 3.10+
    if names is not None:
        return name in names
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return False
    if spec.origin in ("built-in", "frozen"):
        return True
    stdlib = sysconfig.get_paths()["stdlib"]
    return spec.origin.startswith(stdlib) and "site-packages" not in spec.origin


def foreign_imports(source: str, siblings: set[str]) -> list[str]:
    """The imports of a module's ``source`` that are neither the standard library nor one of
    ``siblings`` (imported relatively: the folder is a package wherever it is copied)."""
    foreign = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            foreign += [n for n in names if not _is_standard_library(n.split(".")[0])]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if not _is_standard_library((node.module or "").split(".")[0]):
                foreign.append(node.module or "")
        elif isinstance(node, ast.ImportFrom):
            inside = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
            if node.level > 1 or not set(inside) <= siblings:
                foreign.append("." * node.level + (node.module or ""))
    return foreign


def test_the_import_check_sees_foreign_imports() -> None:
    source = (
        "from __future__ import annotations\nimport os, socket\nfrom typing import Optional\n"
        "from .listeners import Listener\nfrom . import processes\n"
        "import click\nfrom rpdb_client.errors import UsageError\nfrom ..config import Settings\n"
        "from .elsewhere import x\n"
    )
    foreign = foreign_imports(source, {"listeners", "processes"})
    assert foreign == ["click", "rpdb_client.errors", "..config", ".elsewhere"]


def test_host_imports_only_the_standard_library_and_itself() -> None:
    modules = sorted(HOST.glob("*.py"))
    assert {path.stem for path in modules} >= {"__init__", "discovery", "listeners", "processes"}
    siblings = {path.stem for path in modules}
    foreign = {path.name: foreign_imports(path.read_text(), siblings) for path in modules}
    assert {name: found for name, found in foreign.items() if found} == {}
