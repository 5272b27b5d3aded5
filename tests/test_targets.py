"""The user's words for another machine (remote/targets.py, config groups) and what fails there
(remote/failures.py): pure, no process started."""

from __future__ import annotations

import shlex

import pytest

from rpdb_client.config import ConfigFile, build_settings
from rpdb_client.errors import ExitStatus, UsageError
from rpdb_client.remote.channel import BOOTSTRAP, python_command
from rpdb_client.remote.failures import explain_failure
from rpdb_client.remote.targets import Target, parse_target, ssh_command_words, via_target

SSH = ("ssh", "-F", "/tmp/config")


@pytest.mark.parametrize(
    ("text", "name", "ssh_args"),
    [
        ("ssh://web1", "web1", ("web1",)),
        ("ssh://deploy@web1", "deploy@web1", ("deploy@web1",)),
        ("ssh://deploy@web1:2222", "deploy@web1:2222", ("-p", "2222", "deploy@web1")),
        ("ssh://[::1]:2222/", "[::1]:2222", ("-p", "2222", "::1")),
    ],
)
def test_ssh_urls(text: str, name: str, ssh_args: tuple[str, ...]) -> None:
    target = parse_target(text)
    assert (target.name, target.ssh_args, target.is_ssh) == (name, ssh_args, True)


@pytest.mark.parametrize(
    "text", ["ssh://", "ssh://-oProxyCommand=x", "ssh://h:99999", "ssh://a b", "http://web1"]
)
def test_a_bad_url_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_target(text)


def test_a_via_of_ssh_is_an_ssh_target_and_any_other_runs_as_it_is() -> None:
    assert via_target("ssh -p 2222 staging-1") == Target(
        "-p 2222 staging-1", ("-p", "2222", "staging-1")
    )
    docker = via_target("docker exec -i app")
    assert not docker.is_ssh and docker.via == ("docker", "exec", "-i", "app")
    with pytest.raises(UsageError):
        via_target("ssh")
    with pytest.raises(UsageError):
        via_target("docker 'unclosed")


def test_the_helper_command_is_quoted_for_the_remote_shell_only() -> None:
    python = python_command("python3")
    over_ssh = parse_target("ssh://web1").helper_command(SSH, ("-o", "X=1"), python)
    assert over_ssh[:-1] == [*SSH, "-o", "X=1", "web1"]
    assert shlex.split(over_ssh[-1]) == ["python3", "-I", "-S", "-c", BOOTSTRAP]
    in_container = via_target("kubectl exec -i pod --").helper_command(SSH, (), python)
    assert in_container == ["kubectl", "exec", "-i", "pod", "--", *python]


def test_ssh_command_words() -> None:
    assert ssh_command_words(None) == ("ssh",)
    assert ssh_command_words("ssh -i '/a b/key'") == ("ssh", "-i", "/a b/key")
    with pytest.raises(UsageError):
        ssh_command_words("ssh 'x")


CONFIG = ConfigFile(
    "config.toml",
    {},
    {
        "staging": {"via": "ssh staging-1", "port": 6899},
        "web": {"group": ("ssh://web1", "staging", "more")},
        "more": {"group": ("ssh://web3",)},
        "local": {"port": 1234},
        "loop": {"group": ("loop",)},
    },
)


def test_a_named_target_with_via_is_one_place_with_its_keys() -> None:
    settings = build_settings(config=CONFIG, targets=("staging",))
    assert (settings.places, settings.port) == (("ssh staging-1",), 6899)


def test_groups_expand_to_their_places() -> None:
    settings = build_settings(config=CONFIG, targets=("web", "ssh://web9"))
    assert settings.places == ("ssh://web1", "ssh staging-1", "ssh://web3", "ssh://web9")


def test_group_mistakes_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="names no other machine"):
        build_settings(config=CONFIG, targets=("local", "ssh://web1"))
    with pytest.raises(UsageError, match="contains itself"):
        build_settings(config=CONFIG, targets=("loop",))
    with pytest.raises(UsageError, match="unknown target"):
        build_settings(config=CONFIG, targets=("nowhere",))
    with pytest.raises(UsageError, match="two places"):
        build_settings(config=CONFIG, targets=("ssh://web1",), command_line={"via": "ssh x"})


@pytest.mark.parametrize(
    ("status", "stderr", "says"),
    [
        (255, b"Host key verification failed.\r\n", "host key of web1 is not known"),
        (255, b"root@web1: Permission denied (publickey).\r\n", "login was refused"),
        (255, b"ssh: Could not resolve hostname web1: Name or service not known\r\n", "resolve"),
        (255, b"ssh: connect to host web1 port 22: Connection refused\r\n", "refused the SSH"),
        (127, b"bash: line 1: python3: command not found\n", "has no such Python"),
        (86, b"rpdb-connect: Python 3.6.9 is too old for the helper\n", "Python 3.6.9 is too old"),
        (85, b"", "closed while the helper was being sent"),
        (1, b"something else\n", "failed: something else"),
    ],
)
def test_each_failure_is_one_line_saying_what_to_do(status: int, stderr: bytes, says: str) -> None:
    error = explain_failure(parse_target("ssh://web1"), status, stderr)
    assert says in error.message
    assert error.status is ExitStatus.REMOTE
    assert "\n" not in error.message
