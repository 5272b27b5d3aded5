"""The ``:`` commands: the vocabulary's table and the REPL's handlers match one to one."""

from __future__ import annotations

from rpdb_client.terminal.client_commands import ClientCommands, handler_name
from rpdb_client.vocabulary.commands import CLIENT_COMMANDS, client_help_text


def test_every_client_command_has_a_handler_and_every_handler_a_command() -> None:
    handlers = {name for name in dir(ClientCommands) if name.startswith("do_")}
    assert handlers == {handler_name(command) for command in CLIENT_COMMANDS}
    assert handler_name(CLIENT_COMMANDS[0]) == "do_help"


def test_help_shows_the_state_of_what_toggles() -> None:
    lines = client_help_text({":ascii": "on", ":bell": "off"}).splitlines()
    ascii_line = next(line for line in lines if line.startswith("  :ascii [on|off]"))
    assert ascii_line.endswith("(now on)")
    assert next(line for line in lines if line.startswith("  :bell")).endswith("(now off)")
    assert not next(line for line in lines if line.startswith("  :log")).endswith(")")
