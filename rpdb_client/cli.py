"""The ``rpdb-connect`` command: options, the choice of front end, errors to exit statuses.

Owns the click command only. It builds :class:`~rpdb_client.config.Settings`, picks line mode or
the REPL, runs the :class:`~rpdb_client.runner.Runner`, and turns every expected failure into one
message on stderr and an exit status (never a traceback).
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Optional

import click

from rpdb_client import __version__
from rpdb_client.config import DEFAULT_HOST, DEFAULT_PORT, Settings
from rpdb_client.errors import ClientError, ConnectionRefused, ExitStatus
from rpdb_client.messages import REFUSED_HINT

EPILOG = """\b
Examples:
  rpdb-connect --port 4444            connect to rpdb's default port
  rpdb-connect --wait                 catch every set_trace() on the port
  rpdb-connect --wait -c 'p request.path' </dev/null
                                      log a value on every request, then continue

\b
Exit status:
  0    every session ended by c, q or a safe detach
  1    a connection was lost, or the peer is not a line-based pdb
  2    usage error
  3    could not connect
  130  interrupted by Ctrl-C or a signal (an open session is detached safely first)
"""


def _check_regex(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    for value in values:
        try:
            re.compile(value)
        except re.error as error:
            raise click.BadParameter(f"{value!r} is not a regular expression: {error}") from None
    return values


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--host", default=DEFAULT_HOST, show_default=True, help="Debugger host name or address."
)
@click.option(
    "--port",
    "-p",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Debugger port.",
)
@click.option(
    "--wait",
    "-w",
    is_flag=True,
    help="Wait for the debugger, and for the next one after each session.",
)
@click.option(
    "--count", type=click.IntRange(min=1), help="With --wait, stop after this many sessions."
)
@click.option(
    "--command",
    "-c",
    "commands",
    multiple=True,
    metavar="CMD",
    help="Send CMD at the first prompt (repeatable; in every session with --wait).",
)
@click.option(
    "--connect-timeout",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds to wait for the debugger's first output before giving up.",
)
@click.option(
    "--prompt-regex",
    multiple=True,
    callback=_check_regex,
    metavar="REGEX",
    help="An extra prompt to recognise at the start of a line (repeatable).",
)
@click.option("--vi", is_flag=True, help="Vi editing keys in the REPL (Emacs keys otherwise).")
@click.option(
    "--history-file",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Where the REPL keeps its history (default: $XDG_STATE_HOME/rpdb-connect/history).",
)
@click.option("--no-history", is_flag=True, help="Keep no history file.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour output and input (auto: on a colour terminal, unless NO_COLOR is set).",
)
@click.option(
    "--style",
    default="monokai",
    show_default=True,
    metavar="NAME",
    help="The pygments style for colours.",
)
@click.option(
    "--no-confirm-quit",
    is_flag=True,
    help="Do not ask before sending q (which raises BdbQuit in the program).",
)
@click.option(
    "--no-bell", is_flag=True, help="Do not ring the terminal bell when a new session starts."
)
@click.option("--no-toolbar", is_flag=True, help="Hide the REPL's bottom toolbar.")
@click.option(
    "--raw", is_flag=True, help="Show the debugger's output untouched, escape sequences included."
)
@click.version_option(__version__, "--version", "-V", message="rpdb-connect %(version)s")
def command(
    host: str,
    port: int,
    wait: bool,
    count: Optional[int],
    commands: tuple[str, ...],
    connect_timeout: float,
    prompt_regex: tuple[str, ...],
    vi: bool,
    history_file: Optional[str],
    no_history: bool,
    color: str,
    style: str,
    no_confirm_quit: bool,
    no_bell: bool,
    no_toolbar: bool,
    raw: bool,
) -> None:
    """Connect to a Python remote debugger (rpdb, remote-pdb, celery.contrib.rdb).

    A safe replacement for `nc localhost 4444`: one line is sent per prompt, the end of a
    session is noticed, and leaving (end of input, Ctrl-C, a signal) lets the program go on
    instead of raising BdbQuit in it.
    """
    if count is not None and not wait:
        raise click.UsageError("--count needs --wait")
    settings = Settings(
        host=host,
        port=port,
        wait=wait,
        count=count,
        commands=commands,
        connect_timeout=connect_timeout,
        prompt_regex=prompt_regex,
        vi=vi,
        history=not no_history,
        history_file=history_file,
        color=color,
        style=style,
        confirm_quit=not no_confirm_quit,
        bell=not no_bell,
        toolbar=not no_toolbar,
        raw=raw,
    )
    sys.exit(_run(settings))


def _run(settings: Settings) -> int:
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    try:
        if interactive:
            from rpdb_client.repl import run_repl  # type: ignore[import-not-found,unused-ignore]

            return int(asyncio.run(run_repl(settings)))
        return int(asyncio.run(_run_line_mode(settings)))
    except ConnectionRefused as error:
        _say(f"{error.message}\n{REFUSED_HINT}")
        return int(error.status)
    except ClientError as error:
        _say(str(error))
        return int(error.status)
    except KeyboardInterrupt:
        return int(ExitStatus.INTERRUPTED)


async def _run_line_mode(settings: Settings) -> ExitStatus:
    from rpdb_client.lineio import LineFrontEnd
    from rpdb_client.runner import Runner

    front_end = LineFrontEnd(settings, sys.stdout, sys.stderr)
    front_end.read_stdin(sys.stdin.fileno())
    return await Runner(settings, front_end).run()


def _say(text: str) -> None:
    click.echo(f"rpdb-connect: {text}", err=True)


def main() -> None:
    """The console script's entry point."""
    command(prog_name="rpdb-connect")
