"""The ``rpdb-connect`` command line: help, version, the config file and its precedence, usage.

Options are parsed by the real click command (``make_context``) with a real environment and
config file; what ends a run (help, usage errors, a broken config) runs the whole command
in-process through an environment of the test's own (``run_command``); ``--version`` runs in a
fresh interpreter, to see what it imports; a named target with ``on_connect`` drives a real rpdb
program with the real command in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Callable, Optional

import click
import pytest
from debuggee import Debuggee, free_port, run_client
from in_process import RunCommand

from rpdb_client import __version__
from rpdb_client.cli import command as cli
from rpdb_client.cli import listing
from rpdb_client.config import KEYS, Settings
from rpdb_client.errors import ExitStatus
from rpdb_client.host.discovery import DebuggerCandidate
from rpdb_client.host.listeners import Listener

Start = Callable[..., Debuggee]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config directory of our own, and no RPDB_CONNECT_* from the person running the tests."""
    for name in list(os.environ):
        if name.startswith("RPDB_CONNECT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "rpdb-connect").mkdir()
    return tmp_path / "rpdb-connect"


def settings_for(*args: str) -> Settings:
    """What a run with ``args`` would be configured by (parsed, not run)."""
    with cli.command.make_context("rpdb-connect", list(args)) as ctx:
        return cli._settings(ctx, ctx.params)


def run(*args: str, env: Optional[dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    return run_client(*args, env=env, timeout=30)


# --- help and version -------------------------------------------------------------------------


def test_every_option_help_ends_with_a_period() -> None:
    ctx = click.Context(cli.command)
    for param in cli.command.get_params(ctx):
        if isinstance(param, click.Option):
            assert param.help and param.help.rstrip().endswith("."), param.opts


def test_help_shows_examples_and_exit_statuses(run_command: RunCommand) -> None:
    result = run_command("--help")
    assert result.returncode == 0
    out = result.stdout
    for example in (
        "rpdb-connect --port 6899",
        "rpdb-connect --wait ",
        "rpdb-connect --wait -c 'p request.path' </dev/null",
        "rpdb-connect staging-worker",
    ):
        assert example in out, example
    for status in ExitStatus:
        assert f"\n    {int(status):<5}" in out, status


def test_version_names_python_prompt_toolkit_and_click_without_importing_them() -> None:
    code = (
        "import sys\n"
        "from rpdb_client.cli import command as cli\n"
        "try:\n"
        "    cli.command(['--version'], prog_name='rpdb-connect')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('prompt_toolkit' in sys.modules, 'rpdb_client.engine.session' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    lines = result.stdout.splitlines()
    assert lines[0] == f"rpdb-connect {__version__}"
    assert lines[1].startswith(f"Python {sys.version.split()[0]}")
    assert lines[2] == f"prompt_toolkit {version('prompt_toolkit')}"
    assert lines[3] == f"click {version('click')}"
    assert lines[4] == "False False"


def test_print_config_prints_the_packaged_file(home: Path, run_command: RunCommand) -> None:
    result = run_command("--print-config")
    assert result.returncode == 0
    assert result.stdout == (files("rpdb_client") / "default_config.toml").read_text("utf-8")
    # Saved as the config file, it changes nothing and warns about nothing.
    (home / "config.toml").write_text(result.stdout)
    assert settings_for() == Settings()


# --- precedence -------------------------------------------------------------------------------


def test_command_line_over_environment_over_config_over_defaults(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "config.toml").write_text('port = 1111\nstyle = "emacs"\nbell = false\nvi = true\n')
    settings = settings_for()
    assert (settings.port, settings.style, settings.bell, settings.vi) == (
        1111,
        "emacs",
        False,
        True,
    )
    assert settings.host == Settings().host and settings.wait is False
    monkeypatch.setenv("RPDB_CONNECT_PORT", "2222")
    monkeypatch.setenv("RPDB_CONNECT_BELL", "1")
    settings = settings_for()
    assert (settings.port, settings.bell, settings.style) == (2222, True, "emacs")
    settings = settings_for("--port", "3333", "--no-bell", "--no-vi", "--style", "vim")
    assert (settings.port, settings.bell, settings.vi, settings.style) == (
        3333,
        False,
        False,
        "vim",
    )


def test_tri_state_flags_let_the_command_line_switch_a_config_choice_back(home: Path) -> None:
    (home / "config.toml").write_text("remote_completion = false\nwait = true\n")
    assert settings_for().remote_completion is False
    assert settings_for("--remote-completion").remote_completion is True
    assert settings_for("--no-wait").wait is False
    assert settings_for().wait is True


def test_a_named_target_and_on_connect(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "config.toml").write_text(
        'on_connect = ["w"]\n'
        "[targets.staging-worker]\n"
        'host = "10.0.0.7"\nport = 6899\non_connect = ["p request.path", "w"]\n'
    )
    monkeypatch.setenv("RPDB_CONNECT_PORT", "2222")  # a target named on the line beats it
    settings = settings_for("staging-worker", "-c", "p x")
    assert (settings.host, settings.port) == ("10.0.0.7", 6899)
    assert settings.commands == ("p request.path", "w", "p x")
    assert settings_for("staging-worker", "-p", "7000").port == 7000
    assert settings_for("-c", "p x").commands == ("w", "p x")


def test_config_option_and_environment_pick_the_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other.toml"
    other.write_text("port = 5555\n")
    assert settings_for("--config", str(other)).port == 5555
    monkeypatch.setenv("RPDB_CONNECT_CONFIG", str(other))
    assert settings_for().port == 5555


ENVIRONMENT = {
    "host": ("h.example", "h.example"),
    "port": ("1234", 1234),
    "wait": ("1", True),
    "connect_timeout": ("2.5", 2.5),
    "vi": ("true", True),
    "history": ("0", False),
    "history_file": ("/tmp/h", "/tmp/h"),
    "color": ("never", "never"),
    "style": ("vim", "vim"),
    "confirm_quit": ("0", False),
    "bell": ("no", False),
    "toolbar": ("0", False),
    "pager": ("0", False),
    "raw": ("1", True),
    "remote_completion": ("0", False),
    "ascii": ("1", True),
    "trust_owner": ("1", True),
    "timeout_hint": ("9", 9.0),
    "log_file": ("/tmp/l", "/tmp/l"),
    "via": ("docker exec -i app", "docker exec -i app"),
    "ssh_command": ("ssh -F /tmp/c", "ssh -F /tmp/c"),
    "remote_python": ("python3.12", "python3.12"),
}


def test_every_config_key_but_the_lists_has_its_environment_variable(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(ENVIRONMENT) == set(KEYS) - {"on_connect", "prompt_regex", "group"}
    for key, (text, _value) in ENVIRONMENT.items():
        monkeypatch.setenv(f"RPDB_CONNECT_{key.upper()}", text)
    settings = settings_for()
    for key, (_text, value) in ENVIRONMENT.items():
        assert getattr(settings, key) == value, key


def test_lists_and_one_shot_options_do_not_come_from_the_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPDB_CONNECT_COMMANDS", "c")
    monkeypatch.setenv("RPDB_CONNECT_LIST_", "1")
    monkeypatch.setenv("RPDB_CONNECT_COUNT", "2")
    settings = settings_for()
    assert settings.commands == () and not settings.list_debuggers and settings.count is None


def test_new_options_reach_the_settings(home: Path, tmp_path: Path) -> None:
    settings = settings_for(
        "--wait", "--any", "--pid", "42", "--pid", "7", "--timeout-hint", "30", "--trust-owner",
        "--ascii",
        "--log", str(tmp_path / "t.log"), "--no-remote-completion",
    )  # fmt: skip
    assert settings.any_port and settings.pids == (42, 7) and settings.timeout_hint == 30.0
    assert settings.trust_owner and settings.ascii and not settings.remote_completion
    assert settings.log_file == str(tmp_path / "t.log")
    listing = settings_for("--list", "--json")
    assert listing.list_debuggers and listing.json
    assert settings_for("--pick").pick


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json"], "--json goes with --list"),
        (["--any"], "--any needs --wait"),
        (["--wait", "--pid", "3"], "--pid needs --any"),
        (["--count", "2"], "--count needs --wait"),
        (["--pick", "--list"], "--pick chooses one debugger"),
        (["--pick", "--port", "4444"], "--pick finds debuggers itself"),
        (["--list", "--host", "h"], "--list finds debuggers itself"),
        (["--wait", "--any", "--port", "4444"], "--any finds debuggers itself"),
        (["--wait", "--any", "--host", "::1"], "--any finds debuggers itself"),
        (["--port", "0"], "Invalid value for '--port'"),
        (["--prompt-regex", "("], "is not a regular expression"),
        (["nowhere"], "unknown target 'nowhere'"),
    ],
)
def test_usage_errors_exit_2(
    home: Path, run_command: RunCommand, args: list[str], message: str
) -> None:
    result = run_command(*args)
    assert result.returncode == ExitStatus.USAGE, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_config_file_exits_2_naming_file_line_and_key(
    home: Path, run_command: RunCommand
) -> None:
    path = home / "config.toml"
    path.write_text('host = "127.0.0.1"\n\n[targets.web]\nport = "http"\n')
    result = run_command("--list")
    assert result.returncode == ExitStatus.USAGE
    assert f"{path}:4: targets.web.port: expected an integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_key_is_a_warning_and_the_run_goes_on(
    home: Path, run_command: RunCommand
) -> None:
    (home / "config.toml").write_text('colour = "never"\n')
    result = run_command("--list", "--json")
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stderr and "colour: unknown key" in result.stderr
    assert isinstance(json.loads(result.stdout), list)


# --- a real session -----------------------------------------------------------------------------


def test_a_named_target_connects_and_sends_on_connect_before_c(home: Path, debuggee: Start) -> None:
    program = debuggee("rpdb", "simple")
    (home / "config.toml").write_text(
        f'port = {free_port()}\non_connect = ["p x"]\n'
        f'[targets.local-test]\nport = {program.port}\non_connect = ["p x", "x = 3"]\n'
    )
    result = run("local-test", "-c", "p x * 10", env={"XDG_CONFIG_HOME": str(home.parent)})
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert record["error"] is None and record["reached_end"], record
    assert record["values"]["x"] == 3
    assert "(Pdb) p x\n1\n(Pdb) x = 3\n(Pdb) p x * 10\n30\n" in result.stdout


# --- where a value or an address came from ---------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"), [("RPDB_CONNECT_PORT", "abc"), ("RPDB_CONNECT_WAIT", "maybe")]
)
def test_a_wrong_value_in_the_environment_names_the_variable_not_the_option(
    home: Path, run_command: RunCommand, variable: str, value: str
) -> None:
    result = run_command(env={variable: value})
    assert result.returncode == ExitStatus.USAGE, result.stderr
    assert f"environment variable {variable}: {value!r}" in result.stderr
    assert "'--" not in result.stderr  # no option the user never typed is blamed
    assert "Traceback" not in result.stderr


def test_the_same_wrong_value_typed_is_still_blamed_on_the_option(
    home: Path, run_command: RunCommand
) -> None:
    result = run_command("--port", "abc", env={"RPDB_CONNECT_PORT": "6899"})
    assert result.returncode == ExitStatus.USAGE
    assert "Invalid value for '--port'" in result.stderr


def test_an_ipv6_address_is_written_in_brackets(home: Path, run_command: RunCommand) -> None:
    """``::1:21001`` reads as an address with no port; ``[::1]:21001`` is the form URLs use."""
    port = free_port()
    result = run_command("--host", "::1", "--port", str(port))
    assert result.returncode == ExitStatus.CANNOT_CONNECT, result.stderr
    assert f"[::1]:{port}" in result.stderr
    assert f" ::1:{port}" not in result.stderr
    wildcard = DebuggerCandidate(Listener("::", port, 1, os.getuid(), 0), process=None)
    assert listing.describe(wildcard.to_json()).startswith(f"[::1]:{port}  ")
