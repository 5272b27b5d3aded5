"""The run's environment: made once by the command line, the only way down to the process.

A walk of the package's syntax trees holds the rule that no module outside ``rpdb_client/cli/``
(and ``rpdb_client/environment.py``, which builds the real one for it) reads the process's
streams, arguments or variables itself. Whole commands run in-process take their variables and
clock from the environment they are given, not from the process.
"""

from __future__ import annotations

import ast
import io
import os
from pathlib import Path

from in_process import memory_environment

import rpdb_client
from rpdb_client.cli import command as cli
from rpdb_client.engine.backoff import FAST_PHASE, KNOCK_SLICE, Backoff
from rpdb_client.environment import Environment, is_terminal
from rpdb_client.errors import ExitStatus

PACKAGE = Path(rpdb_client.__file__).parent
PROCESS_STATE = {
    "sys": {"stdin", "stdout", "stderr", "argv", "orig_argv", "__stdin__", "__stdout__"}
    | {"__stderr__"},
    "os": {"environ", "environb", "getenv", "getenvb"},
}
"""What only the command line may read (through the environment it makes)."""
ALLOWED = {"environment.py": "builds the process's Environment, for the command line only"}


def reads_of_the_process(path: Path) -> list[str]:
    """``sys.stdout``, ``os.environ``... read in ``path``, through any alias, as ``line: name``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    aliases: dict[str, str] = {}  # local name -> "sys" or "os"
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for name in node.names:
                if name.name in PROCESS_STATE:
                    aliases[name.asname or name.name] = name.name
        elif isinstance(node, ast.ImportFrom) and node.module in PROCESS_STATE:
            for name in node.names:
                if name.name in PROCESS_STATE[node.module]:
                    found.append((node.lineno, f"from {node.module} import {name.name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = aliases.get(node.value.id)
            if module is not None and node.attr in PROCESS_STATE[module]:
                found.append((node.lineno, f"{module}.{node.attr}"))
    return [f"{line}: {text}" for line, text in sorted(found)]


def modules_below_the_command_line() -> dict[str, Path]:
    below = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if not name.startswith("cli/") and name not in ALLOWED:
            below[name] = path
    return below


def test_the_walk_finds_every_way_of_reading_the_process(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os\nimport sys as system\nfrom os import getenv\n"
        "x = system.stdout\ny = os.environ.get('HOME')\nz = system.argv[1:]\n"
        "ok = (sys.stdout, os.path.sep, system.version_info)\n"  # `sys` was never imported here
    )
    assert reads_of_the_process(probe) == [
        "3: from os import getenv",
        "4: sys.stdout",
        "5: os.environ",
        "6: sys.argv",
    ]


def test_nothing_below_the_command_line_reads_the_process_itself() -> None:
    below = modules_below_the_command_line()
    assert "engine/runner.py" in below and "cli/command.py" not in below
    offenders = {
        name: reads for name, path in below.items() if (reads := reads_of_the_process(path))
    }
    assert not offenders, (
        "read these through the Environment the command line passes down "
        f"(rpdb_client/environment.py): {offenders}"
    )


def test_only_the_command_line_makes_the_process_environment() -> None:
    makers = [
        f"{name}:{node.lineno}"
        for name, path in modules_below_the_command_line().items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "from_process"
    ]
    assert makers == []


def test_is_terminal() -> None:
    closed = io.StringIO()
    closed.close()
    assert not is_terminal(closed) and not is_terminal(io.StringIO()) and not is_terminal(None)
    leader, follower = os.openpty()
    with open(follower, "w") as terminal:
        assert is_terminal(terminal)
    os.close(leader)


def test_the_process_environment_is_this_process() -> None:
    env = Environment.from_process()
    assert env.environ is os.environ
    assert env.stdout_isatty == is_terminal(env.stdout)


def test_a_command_reads_the_variables_it_is_given(tmp_path: Path) -> None:
    """The config file is found through the environment's XDG_CONFIG_HOME, not the process's."""
    config = tmp_path / "rpdb-connect" / "config.toml"
    config.parent.mkdir()
    config.write_text('port = "http"\n')
    assert os.environ["XDG_CONFIG_HOME"] != str(tmp_path)
    env, streams = memory_environment(environ={"XDG_CONFIG_HOME": str(tmp_path)})
    assert cli.run(["--list"], env) == ExitStatus.USAGE
    assert f"{config}:1: port: expected an integer" in streams.stderr.getvalue()
    env, streams = memory_environment(environ={"HOME": str(tmp_path / "home")})
    assert cli.run(["--list", "--json"], env) == ExitStatus.OK, streams.stderr.getvalue()
    assert streams.stdout.getvalue().startswith("[")


def test_the_runner_knocks_by_the_clock_it_is_given() -> None:
    now = [0.0]
    backoff = Backoff(lambda: now[0])
    assert backoff.knock_for() == KNOCK_SLICE
    now[0] = FAST_PHASE / 2
    assert backoff.knock_for() == KNOCK_SLICE
    now[0] = FAST_PHASE
    assert backoff.knock_for() == 0.0
