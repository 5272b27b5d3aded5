"""The layers import only downwards: the table below is the package's allowed import edges.

Each row names a layer of ``rpdb_client`` (a subpackage, or a top-level module) and the layers it
may import. The test walks every module's syntax tree, imports inside functions included, so a
lazy import is still an edge. A module in no row, an import outside its row, and a row that
allows an edge nothing uses all fail: the table stays the documentation of the tree as it is.
What a layer loads is checked in a fresh interpreter: the layers below the front ends load no
UI library, and the session machine no asyncio and no socket.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rpdb_client"

ALLOWED: dict[str, frozenset[str]] = {
    # The package itself: the version, nothing else.
    "__init__": frozenset(),
    # `python -m rpdb_client` is the command.
    "__main__": frozenset({"cli"}),
    # Expected failures and exit statuses: every layer may raise them; they import nothing.
    "errors": frozenset(),
    # The process's streams, variables and clock, made once by the command line and passed down.
    "environment": frozenset(),
    # Settings: the merged config file and options, reported through UsageError.
    "config": frozenset({"config_keys", "errors"}),
    # The config file's keys and the check of each value.
    "config_keys": frozenset(),
    # The socket and pdb's bytes: parser, connection, what may be sent.
    "wire": frozenset({"errors"}),
    # pdb's and the client's commands as data; risks name the prompt kinds the parser tells.
    "vocabulary": frozenset({"wire"}),
    # This machine's kernel and /proc: standard library only, so that it can run on a remote
    # host's python3 (tests/test_host_portable.py runs it alone).
    "host": frozenset(),
    # Other machines and containers: ssh and exec channels, the helper sent there (host), the
    # relayed connections.
    "remote": frozenset({"host", "wire", "errors"}),
    # The session and its runner: speaks the wire, reads the vocabulary, names processes (host),
    # reaches other machines (remote).
    "engine": frozenset({"wire", "vocabulary", "host", "remote", "config", "errors"}),
    # What reaches the user's terminal: sanitising, transcript, palette, and highlighting, which
    # colours a typed command by what the vocabulary says it is.
    "output": frozenset({"vocabulary", "errors"}),
    # Piped input: a front end of the engine that writes through output.
    "line_mode": frozenset(
        {"engine", "output", "wire", "remote", "environment", "config", "errors"}
    ),
    # The prompt_toolkit REPL: a front end of the engine; after the session it may hand the rest
    # of the input to line mode.
    "terminal": frozenset(
        {
            "engine",
            "output",
            "vocabulary",
            "wire",
            "line_mode",
            "remote",
            "environment",
            "config",
            "errors",
        }
    ),
    # click: reads the command line, lists the host's debuggers (with their connect addresses),
    # makes the environment, starts a front end.
    "cli": frozenset(
        {
            "__init__",
            "terminal",
            "line_mode",
            "engine",
            "output",
            "host",
            "remote",
            "wire",
            "environment",
            "config",
            "errors",
        }
    ),
}


def layer_of(module: str) -> str:
    """``rpdb_client.engine.session`` -> ``engine``; ``rpdb_client`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """The ``rpdb_client`` modules that ``module`` imports, with the line of each import."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # `from rpdb_client import engine` imports the subpackage, not only the package.
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            if name == "rpdb_client" or name.startswith("rpdb_client."):
                yield name, node.lineno


def edges() -> dict[tuple[str, str], list[str]]:
    """Each edge between two layers, with where it is made (``module:line``)."""
    found: dict[tuple[str, str], list[str]] = {}
    for module, path in modules():
        for target, line in imported(module, path):
            if target == "rpdb_client.__version__":
                target = "rpdb_client"
            edge = (layer_of(module), layer_of(target))
            if edge[0] == edge[1]:
                continue
            where = found.setdefault(edge, [])
            if f"{module}:{line}" not in where:  # `from a import b` names a and a.b
                where.append(f"{module}:{line}")
    return found


def test_every_module_is_in_a_layer_of_the_table() -> None:
    outside = [module for module, _ in modules() if layer_of(module) not in ALLOWED]
    assert not outside, (
        f"{outside} belong to no row of ALLOWED in {Path(__file__).name}: add the layer "
        "(and the layers it may import, with a comment why) or move the module into one."
    )


def test_layers_import_only_what_the_table_allows() -> None:
    forbidden = [
        f"{source} -> {target} ({', '.join(where)})"
        for (source, target), where in sorted(edges().items())
        if target not in ALLOWED.get(source, frozenset())
    ]
    assert not forbidden, (
        "imports outside the layer table (move the code to the layer that owns it, or add the "
        "edge to ALLOWED with the reason):\n  " + "\n  ".join(forbidden)
    )


def test_the_table_allows_no_edge_that_nothing_uses() -> None:
    used = set(edges())
    unused = [
        f"{source} -> {target}"
        for source, targets in sorted(ALLOWED.items())
        for target in sorted(targets)
        if (source, target) not in used
    ]
    assert not unused, f"ALLOWED lists edges no module makes; remove them: {unused}"


def test_the_engine_loads_no_ui_library() -> None:
    """The engine is usable without a terminal, and ``--version`` stays fast.

    In a fresh interpreter, so that modules another test imported do not hide a lazy import.
    """
    below_the_front_ends = sorted(
        module
        for module, _ in modules()
        if layer_of(module)
        in {"wire", "vocabulary", "host", "engine", "environment", "config", "errors"}
        or module == "rpdb_client.line_mode"
    )
    code = (
        f"import sys, {', '.join(below_the_front_ends)};"
        "print(sorted(m for m in ('prompt_toolkit', 'click', 'pygments') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_the_session_machine_loads_no_asyncio_and_no_socket() -> None:
    """The session's decisions stay without I/O (the clock comes in with the events)."""
    code = (
        "import sys, rpdb_client.engine.session_machine;"
        "print(sorted(m for m in ('asyncio', 'socket', 'selectors') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
