"""The config file: the packaged default, errors that name file, line and key, and the layers.

Pure: files are written to a temporary directory and read with the real loader; the merging of
defaults, config file, environment, named target and command line is checked on its own.
"""

from __future__ import annotations

import dataclasses
import os
from importlib.resources import files
from pathlib import Path

import pytest

from rpdb_client.config import (
    DEFAULT_CONFIG_RESOURCE,
    KEYS,
    ConfigFile,
    Settings,
    build_settings,
    default_config_path,
    load_config,
)
from rpdb_client.errors import ExitStatus, UsageError

PACKAGED = files("rpdb_client") / DEFAULT_CONFIG_RESOURCE


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


# --- the packaged default file ---------------------------------------------------------------


def test_the_packaged_file_is_the_defaults_and_documents_every_key(tmp_path: Path) -> None:
    text = PACKAGED.read_text("utf-8")
    warnings: list[str] = []
    config = load_config(write(tmp_path, text), environ={}, warn=warnings.append)
    assert warnings == []
    assert build_settings(config=config) == Settings()
    for key in KEYS:
        # Set, or shown commented out where the default has no TOML spelling (None).
        assert f"\n{key} = " in text or f"\n# {key} = " in text, key


def test_the_commented_out_examples_are_valid(tmp_path: Path) -> None:
    lines = PACKAGED.read_text("utf-8").splitlines()
    uncommented = [
        line[2:] if line.startswith("# ") and (" = " in line or line.startswith("# [")) else line
        for line in lines
    ]
    config = load_config(write(tmp_path, "\n".join(uncommented)), environ={})
    assert set(config.targets) == {"staging-worker", "web"}
    assert config.targets["staging-worker"]["port"] == 6899
    assert config.values["timeout_hint"] == 30.0
    assert config.values["log_file"] == os.path.expanduser("~/rpdb-connect.log")


# --- where the file is --------------------------------------------------------------------------


def test_default_location_follows_xdg_config_home(tmp_path: Path) -> None:
    environ = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert default_config_path(environ) == tmp_path / "rpdb-connect" / "config.toml"
    assert default_config_path({}).parts[-3:] == (".config", "rpdb-connect", "config.toml")
    # A missing default file is no error; it is read when present.
    assert load_config(environ=environ) == ConfigFile()
    (tmp_path / "rpdb-connect").mkdir()
    (tmp_path / "rpdb-connect" / "config.toml").write_text("port = 6899\n")
    assert load_config(environ=environ).values == {"port": 6899}


def test_a_given_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found") as caught:
        load_config(str(tmp_path / "nope.toml"), environ={})
    assert caught.value.status is ExitStatus.USAGE


# --- broken files ---------------------------------------------------------------------------------


def test_a_syntax_error_names_file_line_and_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'host = "a"\nwait = \nport = 1\n')
    with pytest.raises(UsageError) as caught:
        load_config(path, environ={})
    assert str(caught.value).startswith(f"{path}:2: wait: not valid TOML")
    assert caught.value.status is ExitStatus.USAGE


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [
        ('port = "abc"\n', 1, "port", 'expected an integer from 1 to 65535, got "abc"'),
        ("\nport = true\n", 2, "port", "expected an integer"),
        ("port = 70000\n", 1, "port", "expected an integer"),
        ('wait = "yes"\n', 1, "wait", "expected true or false"),
        ('color = "blue"\n', 1, "color", 'expected one of "auto", "always", "never"'),
        ("connect_timeout = 0\n", 1, "connect_timeout", "at least 0.1"),
        ('on_connect = "w"\n', 1, "on_connect", "expected a list of strings"),
        ('on_connect = ["p x", "w\\nc"]\n', 1, "on_connect", "line break"),
        ('prompt_regex = ["("]\n', 1, "prompt_regex", "not a regular expression"),
        ('host = ""\n', 1, "host", "non-empty string"),
        ('x = 1\n[targets.web]\nhost = "h"\nport = 0\n', 4, "targets.web.port", "1 to 65535"),
        ('[targets]\nweb = "h:1"\n', 2, "targets.web", "expected a table"),
    ],
)
def test_a_wrong_value_names_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_config(path, environ={}, warn=lambda _text: None)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: {key}: "), message
    assert problem in message


def test_unknown_keys_are_warned_about_not_fatal(tmp_path: Path) -> None:
    path = write(tmp_path, 'colour = "never"\nport = 6899\n[targets.web]\nprot = 1\n[extra]\n')
    warnings: list[str] = []
    config = load_config(path, environ={}, warn=warnings.append)
    assert config.values == {"port": 6899}
    assert config.targets == {"web": {}}
    assert warnings == [
        f"{path}: 3 unknown keys, ignored:\n"
        "  line 1: colour (did you mean color?)\n"
        "  line 4: targets.web.prot (did you mean port?)\n"
        "  line 5: extra"
    ]


def test_paths_in_the_file_expand_the_home_directory(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'history_file = "~/h"\nlog_file = "~/l"\n'), environ={})
    assert config.values["history_file"] == os.path.expanduser("~/h")
    assert not config.values["log_file"].startswith("~")


# --- the layers -----------------------------------------------------------------------------------

CONFIG = ConfigFile(
    path="config.toml",
    values={"port": 1111, "style": "emacs", "bell": False, "on_connect": ("w",)},
    targets={"web": {"host": "10.1.1.1", "port": 2222, "on_connect": ("p request.path", "w")}},
)


def test_config_file_over_defaults() -> None:
    settings = build_settings(config=CONFIG, commands=("p x",))
    assert (settings.port, settings.style, settings.bell) == (1111, "emacs", False)
    assert settings.host == Settings().host
    assert settings.commands == ("w", "p x")  # on_connect first, then -c


def test_environment_over_config_file() -> None:
    settings = build_settings(config=CONFIG, environment={"port": 3333, "bell": True})
    assert (settings.port, settings.bell, settings.style) == (3333, True, "emacs")


def test_a_named_target_over_environment_and_options_over_everything() -> None:
    settings = build_settings(config=CONFIG, environment={"port": 3333}, target="web")
    assert (settings.host, settings.port) == ("10.1.1.1", 2222)
    assert settings.commands == ("p request.path", "w")  # the target's list replaces the top's
    settings = build_settings(
        config=CONFIG, environment={"port": 3333}, target="web", command_line={"port": 4444}
    )
    assert (settings.host, settings.port) == ("10.1.1.1", 4444)


def test_an_unknown_target_names_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"unknown target 'db': config.toml defines web"):
        build_settings(config=CONFIG, target="db")
    with pytest.raises(UsageError, match="no config file"):
        build_settings(target="db")


def test_every_key_is_a_setting() -> None:
    fields = {field.name for field in dataclasses.fields(Settings)}
    assert set(KEYS) - fields == {"on_connect", "group"}
