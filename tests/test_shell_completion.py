"""Shell completion: the committed scripts are what the command generates, and each real shell
loads its script and completes options and their values.

bash calls the script's function the way ``complete -F`` does, fish answers ``complete -C``,
and zsh runs its real completion system in a pseudo-terminal (pexpect) and is sent a Tab.
Value completion is checked end to end: ``--style`` lists the pygments styles, TARGET and
``--host`` come from the config file, and ``--port`` lists a real waiting debugger without
connecting to it (the program's session is intact afterwards).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Callable, Optional

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


def generator() -> ModuleType:
    """scripts/generate_completions.py, imported (it is a script, not a module of the package)."""
    spec = importlib.util.spec_from_file_location(
        "generate_completions", ROOT / "scripts" / "generate_completions.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("click_version", ["8.4.0", "8.0.4", None])
def test_the_generator_refuses_a_click_the_project_excludes(
    click_version: Optional[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """8.4.0 once wrote a broken fish script that was committed: refuse, and write nothing."""
    script = generator()
    monkeypatch.setattr(script, "installed_click", lambda: click_version)
    written: list[str] = []

    def generate(shell: str) -> str:
        written.append(shell)
        return ""

    monkeypatch.setattr(script, "generate", generate)
    monkeypatch.setattr(sys, "argv", ["generate_completions.py"])
    assert script.main() == 2
    assert written == []
    assert "click>=8.1,!=8.4.0" in capsys.readouterr().err
    assert script.click_refused(version("click")) == ""  # the click installed here is allowed


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


def readme_blocks() -> list[str]:
    """The sh blocks of the README's section on shell completion, as a user copies them."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Shell completion", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def fresh_home(tmp_path: Path, shell_env: dict[str, str]) -> dict[str, str]:
    """A machine where the user has never configured a shell: empty home, default config dir."""
    home = tmp_path / "fresh"
    home.mkdir()
    return dict(shell_env, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))


def zsh_completes_style(env: dict[str, str]) -> None:
    """An interactive zsh that reads the user's ~/.zshrc completes ``--st`` to ``--style``."""
    zsh = pexpect.spawn(
        need("zsh"), ["-i"], env=env, encoding="utf-8", dimensions=(40, 200), timeout=20
    )
    try:
        zsh.sendline("PS1='%% READY '; echo LOADED-$((40 + 2))")
        zsh.expect("LOADED-42")
        zsh.expect("READY ")
        zsh.send("rpdb-connect --st\t")
        zsh.expect("rpdb-connect --style ")
    finally:
        zsh.close(force=True)


def test_the_readme_install_steps_work_in_a_fresh_home(
    tmp_path: Path, shell_env: dict[str, str]
) -> None:
    """The copy-into-place steps, run as written: fish's directory does not exist yet, and a fresh
    ~/.zshrc does not start zsh's completion system."""
    env = fresh_home(tmp_path, shell_env)
    steps = readme_blocks()[0]
    zsh_and_fish = steps[steps.index("# zsh") :]
    subprocess.run(["sh", "-e", "-c", zsh_and_fish], env=env, cwd=ROOT, check=True, timeout=30)
    zsh_completes_style(env)
    # fish loads the script from ~/.config/fish/completions by itself.
    result = subprocess.run(
        [need("fish"), "-c", "complete -C 'rpdb-connect --st'"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.split("\t")[0] == "--style", result.stdout + result.stderr


def test_the_readme_zsh_startup_line_works_in_a_fresh_zshrc(
    tmp_path: Path, shell_env: dict[str, str]
) -> None:
    env = fresh_home(tmp_path, shell_env)
    lines = readme_blocks()[1].splitlines()
    at = next(i for i, line in enumerate(lines) if "zsh_source" in line)
    zshrc = [line for line in lines[: at + 1] if line.startswith(("autoload", "eval"))]
    (Path(env["HOME"]) / ".zshrc").write_text("\n".join(zshrc[-2:]) + "\n")
    zsh_completes_style(env)


def test_targets_include_the_hosts_of_ssh_config(shell_env: dict[str, str]) -> None:
    ssh = Path(shell_env["HOME"]) / ".ssh"
    ssh.mkdir(parents=True, exist_ok=True)
    (ssh / "config").write_text(
        "Host staging-1 staging-2\n  User deploy\nHost *.internal !bastion i-*\n  User x\n"
    )
    assert bash_complete(["rpdb-connect", "ssh://st"], shell_env) == [
        "ssh://staging-1",
        "ssh://staging-2",
    ]
