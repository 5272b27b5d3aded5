"""Shell completion: the committed scripts are what the command generates, and each real shell
loads its script and completes options and their values.

bash calls the script's function the way ``complete -F`` does, fish answers ``complete -C``,
and zsh runs its real completion system in a pseudo-terminal (pexpect) and is sent a Tab.
Value completion is checked end to end: ``--style`` lists the pygments styles, TARGET and
``--host`` come from the config file, and ``--port`` lists a real waiting debugger without
connecting to it (the program's session is intact afterwards).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pexpect
import pytest
from debuggee import Debuggee, run_client

from rpdb_client.output.highlight import available_styles

ROOT = Path(__file__).resolve().parent.parent
COMPLETIONS = ROOT / "completions"
BIN = Path(sys.executable).parent
SCRIPTS = {"bash": "rpdb-connect.bash", "zsh": "_rpdb-connect", "fish": "rpdb-connect.fish"}
# Escape sequences and control characters (zsh rings the bell and backspaces while listing).
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|[\x00-\x09\x0b-\x1f]")

Start = Callable[..., Debuggee]


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """The installed command first on PATH; a home and config directory of the test's own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RPDB_CONNECT_", "_RPDB_CONNECT_"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        TERM="dumb",
    )
    return env


def need(shell: str) -> str:
    found = shutil.which(shell)
    if found is None:
        pytest.skip(f"{shell} is not installed (.ci/run installs it)")
    return found


@pytest.mark.parametrize("shell", list(SCRIPTS))
def test_committed_scripts_are_what_the_command_generates(
    shell: str, shell_env: dict[str, str]
) -> None:
    command = shutil.which("rpdb-connect", path=str(BIN))
    assert command, "the project must be installed (pip install -e .)"
    env = dict(shell_env, _RPDB_CONNECT_COMPLETE=f"{shell}_source")
    generated = subprocess.run(
        [command], env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    committed = (COMPLETIONS / SCRIPTS[shell]).read_text()
    # click before 8.2 prints one more newline at the end (scripts/generate_completions.py
    # writes one).
    assert committed == generated.rstrip("\n") + "\n", "run: python scripts/generate_completions.py"


def bash_complete(words: list[str], env: dict[str, str]) -> list[str]:
    """What bash offers for the last word of ``words``, through the script's function."""
    script = (
        f"source {COMPLETIONS / SCRIPTS['bash']}\n"
        "complete -p rpdb-connect >/dev/null || exit 3\n"
        f"COMP_WORDS=({' '.join(repr(word) for word in words)}); COMP_CWORD={len(words) - 1}\n"
        "_rpdb_connect_completion rpdb-connect\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        [need("bash"), "--norc", "--noprofile", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def fish_complete(line: str, env: dict[str, str]) -> list[str]:
    """What fish offers for ``line`` (its values, descriptions dropped)."""
    script = f"source {COMPLETIONS / SCRIPTS['fish']}; complete -C '{line}'"
    result = subprocess.run(
        [need("fish"), "--no-config", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
    return [entry.split("\t")[0] for entry in result.stdout.splitlines() if entry]


def test_bash_completes_options_and_styles(shell_env: dict[str, str]) -> None:
    assert bash_complete(["rpdb-connect", "--st"], shell_env) == ["--style"]
    assert bash_complete(["rpdb-connect", "--style", ""], shell_env) == available_styles()
    assert bash_complete(["rpdb-connect", "--style", "mon"], shell_env) == ["monokai"]


def test_fish_loads_its_script_and_completes_options_and_styles(
    shell_env: dict[str, str],
) -> None:
    assert fish_complete("rpdb-connect --st", shell_env) == ["--style"]
    assert fish_complete("rpdb-connect --style ", shell_env) == available_styles()


def test_zsh_completes_in_its_real_completion_system(shell_env: dict[str, str]) -> None:
    zsh = pexpect.spawn(
        need("zsh"),
        ["-f", "-i"],
        env=shell_env,
        encoding="utf-8",
        dimensions=(100, 250),
        timeout=20,
        cwd=str(ROOT),
    )
    try:
        zsh.sendline(
            "PS1='%% READY '; autoload -U compinit && compinit -u -D"
            f" && source {COMPLETIONS / SCRIPTS['zsh']} && echo LOADED-$((40 + 2))"
        )
        zsh.expect("LOADED-42")  # the output, not the echo of the typed line
        zsh.expect("READY ")
        zsh.send("rpdb-connect --st\t")
        zsh.expect("rpdb-connect --style ")  # the option, completed in the line
        zsh.send("\t")
        # Ambiguous: zsh lists the candidates, then redraws the prompt with the line.
        zsh.expect(r"READY rpdb-connect --style ")
        assert zsh.before is not None
        listed = _ESCAPES.sub("", zsh.before).split()
        assert sorted(set(listed) - {"%"}) == available_styles()
    finally:
        zsh.close(force=True)


def test_targets_and_hosts_come_from_the_config_file(shell_env: dict[str, str]) -> None:
    config = Path(shell_env["XDG_CONFIG_HOME"]) / "rpdb-connect" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'host = "10.9.9.9"\n'
        '[targets.staging-worker]\nhost = "10.0.0.7"\nport = 6899\n'
        "[targets.staging-web]\nport = 4444\n"
    )
    assert bash_complete(["rpdb-connect", "stag"], shell_env) == ["staging-web", "staging-worker"]
    hosts = bash_complete(["rpdb-connect", "--host", "10."], shell_env)
    assert hosts == ["10.9.9.9", "10.0.0.7"]
    assert "6899" in bash_complete(["rpdb-connect", "--port", "68"], shell_env)
    # A --config typed before the Tab is the file asked.
    other = Path(shell_env["HOME"]) / "other.toml"
    other.write_text("[targets.elsewhere]\nport = 1234\n")
    words = ["rpdb-connect", "--config", str(other), ""]
    assert bash_complete(words, shell_env) == ["elsewhere"]
    # A broken file gives no completions and no noise, not an error in the user's shell.
    config.write_text("port = \n")
    assert bash_complete(["rpdb-connect", "stag"], shell_env) == []


def test_ports_of_waiting_debuggers_complete_without_connecting(
    shell_env: dict[str, str], debuggee: Start
) -> None:
    program = debuggee("rpdb", "simple")
    assert str(program.port) in bash_complete(["rpdb-connect", "--port", ""], shell_env)
    assert str(program.port) in fish_complete("rpdb-connect --port ", shell_env)
    # Never connected: the debugger still waits for its first client, who gets a whole session.
    result = run_client("--port", str(program.port), stdin="p x\nx = 4\n")
    record = program.finish()
    assert result.returncode == 0, result.stderr
    assert "(Pdb) p x\n1\n" in result.stdout
    assert record["error"] is None and record["reached_end"] and record["values"]["x"] == 4
