"""The ``rpdb-connect`` command: options, the choice of front end, errors to exit statuses.

Owns the click command only. It reads the command line and the environment (click's
``RPDB_CONNECT_*``), leaves the config file and the merging of layers to
:mod:`rpdb_client.config`, picks ``--list``, ``--pick``, line mode or the REPL, and turns every
expected failure into one message on stderr and an exit status (never a traceback). The shell
completion of option values lives in :mod:`rpdb_client.cli.shell_completion`, the rules between
options in :mod:`rpdb_client.cli.option_checks`, ``--version`` and ``--print-config`` in
:mod:`rpdb_client.cli.about`.

The process's streams, variables and clock are read once, into an
:class:`~rpdb_client.environment.Environment` (:func:`main`), and passed down; :func:`run` runs
the command in any environment (tests run whole commands in-process through it).

Every option that a config file may also set defaults to None ("not given"), so that the
layers underneath can still decide. Heavy modules (the engine, the REPL, prompt_toolkit) are
imported only when a mode needs them: ``--version``, ``--help`` and shell completion stay fast.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

import click
from click.core import ParameterSource

from rpdb_client.cli import about, option_checks, shell_completion
from rpdb_client.cli.help_text import EPILOG
from rpdb_client.config import (
    COLOR_CHOICES,
    DEFAULT_HOST,
    DEFAULT_PORT,
    KEYS,
    Settings,
    build_settings,
    load_config,
)
from rpdb_client.environment import Environment
from rpdb_client.errors import ClientError, ConnectionRefused, ExitStatus

if TYPE_CHECKING:
    from rpdb_client.remote.reach import Reach

ENV_PREFIX = "RPDB_CONNECT"
DEFAULTS = Settings()
_Command = TypeVar("_Command", bound=Callable[..., Any])


# Parameters that are not Settings fields of the same name, or not settings at all.
_RENAMED = {"list_": "list_debuggers", "any_": "any_port", "pid": "pids"}
_NOT_SETTINGS = frozenset({"targets", "config", "commands"})


def _flag(
    on: str, off: str, default: bool, text: str, *short: str
) -> Callable[[_Command], _Command]:
    """A tri-state ``--x/--no-x`` flag: None when not given, so the config file may decide."""
    help_text = f"{text} (default: {'on' if default else 'off'})."
    return click.option(f"{on}/{off}", *short, default=None, help=help_text)


@click.command(
    cls=option_checks.BlameTheEnvironment,
    epilog=EPILOG,
    context_settings={
        "help_option_names": ["-h", "--help"],
        "auto_envvar_prefix": ENV_PREFIX,
        "max_content_width": 100,
    },
)
@click.argument(
    "targets",
    nargs=-1,
    metavar="[TARGET]...",
    shell_complete=shell_completion.complete_target,
)
@click.option(
    "--host",
    shell_complete=shell_completion.complete_host,
    help=f"Debugger host name or address (default: {DEFAULT_HOST}).",
)
@click.option(
    "--port",
    "-p",
    type=click.IntRange(1, 65535),
    shell_complete=shell_completion.complete_port,
    help=f"Debugger port (default: {DEFAULT_PORT}; Tab lists the ports where a debugger waits).",
)
@_flag("--wait", "--no-wait", False, "Wait for the debugger, and again after each session", "-w")
@click.option(
    "--count",
    type=click.IntRange(min=1),
    allow_from_autoenv=False,
    help="With --wait, stop after this many sessions.",
)
@click.option(
    "--command",
    "-c",
    "commands",
    multiple=True,
    metavar="CMD",
    allow_from_autoenv=False,
    help="Send CMD at the first prompt, after the config's on_connect (repeatable; every "
    "session with --wait).",
)
@click.option(
    "--connect-timeout",
    type=click.FloatRange(min=0.1),
    callback=option_checks.check_finite,
    help="Seconds to wait for the debugger's first output before giving up "
    f"(default: {DEFAULTS.connect_timeout:g}).",
)
@click.option(
    "--prompt-regex",
    multiple=True,
    callback=option_checks.check_regex,
    metavar="REGEX",
    allow_from_autoenv=False,
    default=None,
    help="An extra prompt to recognise at the start of a line (repeatable).",
)
@_flag("--vi", "--no-vi", False, "Vi editing keys in the REPL instead of Emacs ones")
@_flag("--history", "--no-history", True, "Keep a history file of typed commands")
@click.option(
    "--history-file",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Where the REPL keeps its history (default: $XDG_STATE_HOME/rpdb-connect/history).",
)
@click.option(
    "--color",
    type=click.Choice(COLOR_CHOICES),
    help=f"Colour output and input (default: {DEFAULTS.color}: on a colour terminal, unless "
    "NO_COLOR is set).",
)
@click.option(
    "--style",
    metavar="NAME",
    shell_complete=shell_completion.complete_style,
    help=f"The pygments style for colours (default: {DEFAULTS.style}).",
)
@_flag(
    "--confirm-quit",
    "--no-confirm-quit",
    True,
    "Ask before sending q, which raises BdbQuit in the program",
)
@_flag("--bell", "--no-bell", True, "Ring the terminal bell when a new session starts")
@_flag("--toolbar", "--no-toolbar", True, "Show the REPL's bottom toolbar")
@_flag("--pager", "--no-pager", True, "Page a reply taller than the screen with $PAGER")
@_flag(
    "--remote-completion",
    "--no-remote-completion",
    True,
    "Complete names from the debugged frame by asking the debugger, never shown",
)
@_flag(
    "--raw", "--no-raw", False, "Show the debugger's output untouched, escape sequences included"
)
@_flag(
    "--ascii",
    "--no-ascii",
    False,
    "Escape non-ASCII in typed string literals as \\uXXXX, for servers that decode ASCII",
)
@_flag(
    "--trust-owner",
    "--no-trust-owner",
    False,
    "Connect even when the local port belongs to another user",
)
@click.option(
    "--timeout-hint",
    type=click.FloatRange(min=0.001),
    callback=option_checks.check_finite,
    metavar="SECONDS",
    help="The worker's time limit, when it cannot be found from the process.",
)
@click.option(
    "--via",
    metavar="COMMAND",
    help="Reach the debugger through COMMAND, which runs a program where the worker runs: "
    "'ssh HOST', 'docker exec -i CONTAINER', 'kubectl exec -i POD --'. Nothing is installed "
    "there; its python3 runs a helper sent over the channel.",
)
@click.option(
    "--ssh-command",
    metavar="COMMAND",
    help="The ssh to run, with options such as -F FILE or -i KEY (default: ssh).",
)
@click.option(
    "--remote-python",
    metavar="PYTHON",
    help="The Python 3.7+ the helper runs on the other machine (default: python3).",
)
@click.option(
    "--log",
    "log_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Append a plain-text transcript of every session to FILE (created with mode 0600).",
)
@click.option(
    "--list",
    "list_",
    is_flag=True,
    allow_from_autoenv=False,
    help="List the debuggers waiting on this machine, without connecting to them.",
)
@click.option("--json", is_flag=True, allow_from_autoenv=False, help="With --list, print JSON.")
@click.option(
    "--pick",
    is_flag=True,
    allow_from_autoenv=False,
    help="Choose one of the debuggers waiting on this machine and connect to it.",
)
@click.option(
    "--any",
    "any_",
    is_flag=True,
    allow_from_autoenv=False,
    help="With --wait, connect to the next debugger to appear on this machine, on any port.",
)
@click.option(
    "--pid",
    type=click.IntRange(min=1),
    multiple=True,
    allow_from_autoenv=False,
    help="With --any, only debuggers of this process; repeat it for several.",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Start a small bundled program stopped in pdb, and connect to it: a first try.",
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False),
    metavar="PATH",
    help="Read this config file (default: $XDG_CONFIG_HOME/rpdb-connect/config.toml).",
)
@click.option(
    "--print-config",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=about.print_config,
    help="Print the default config file, every key explained, and exit.",
)
@click.option(
    "--version",
    "-V",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=about.print_version,
    help="Show the versions of rpdb-connect, Python, prompt_toolkit and click, and exit.",
)
@click.pass_context
def command(ctx: click.Context, /, **params: Any) -> None:
    """Connect to a Python remote debugger (rpdb, remote-pdb, celery.contrib.rdb).

    A safe replacement for `nc localhost 4444`: one line is sent per prompt, the end of a
    session is noticed, and leaving (end of input, Ctrl-C, a signal) lets the program go on
    instead of raising BdbQuit in it. TARGET is a [targets.NAME] of the config file, or
    ssh://[user@]host[:port] for a worker on another machine (several with --list or --any).
    """
    demo = params.pop("demo")
    env = _environment(ctx)
    try:
        settings = _settings(ctx, params)
    except ClientError as error:
        _say(str(error))
        sys.exit(int(error.status))
    option_checks.check_combinations(ctx, settings, params)
    sys.exit(_run_demo(settings, env) if demo else _dispatch(settings, env))


def _environment(ctx: click.Context) -> Environment:
    """The run's environment: :func:`run`'s, or this process's when click was called directly."""
    return ctx.find_object(Environment) or Environment.from_process()


def _settings(ctx: click.Context, params: dict[str, Any]) -> Settings:
    config = load_config(
        params["config"],
        environ=_environment(ctx).environ,
        warn=lambda text: _say(f"warning: {text}"),
    )
    command_line: dict[str, Any] = {}
    environment: dict[str, Any] = {}
    for name, value in params.items():
        if name in _NOT_SETTINGS or value is None or value == ():
            continue
        field = _RENAMED.get(name, name)
        source = ctx.get_parameter_source(name)
        if source is ParameterSource.ENVIRONMENT and field in KEYS:
            environment[field] = value
        elif source is not ParameterSource.DEFAULT:
            command_line[field] = value
    return build_settings(
        config=config,
        environment=environment,
        targets=params["targets"],
        command_line=command_line,
        commands=params["commands"],
    )


def _dispatch(settings: Settings, env: Environment) -> int:
    try:
        if settings.places:
            from rpdb_client.cli.places import dispatch_there

            return dispatch_there(settings, env, _run, _say)
        if settings.list_debuggers:
            from rpdb_client.cli.listing import print_debuggers

            return int(print_debuggers(settings, env))
        if settings.pick:
            from rpdb_client.cli.listing import pick

            settings = pick(settings, env)
    except ClientError as error:
        _say(str(error))
        return int(error.status)
    return _run(settings, env)


def _run_demo(settings: Settings, env: Environment) -> int:
    from rpdb_client.cli.demo import demo_program

    try:
        with demo_program(settings, env.stderr) as demo_settings:
            return _run(demo_settings, env)
    except ClientError as error:
        _say(str(error))
        return int(error.status)


def _run(settings: Settings, env: Environment, reach: Optional[Reach] = None) -> int:
    import asyncio  # here, not at the top: --version, --help and Tab stay quick

    from rpdb_client.engine.wording import REFUSED_HINT

    try:
        if env.stdin_isatty and env.stdout_isatty:
            from rpdb_client.terminal.repl import run_repl  # type: ignore[import-not-found,unused-ignore]

            return int(asyncio.run(run_repl(settings, env, reach)))
        return int(asyncio.run(_run_line_mode(settings, env, reach)))
    except ConnectionRefused as error:
        _say(f"{error.message}\n{REFUSED_HINT}")
        return int(error.status)
    except ClientError as error:
        _say(str(error))
        return int(error.status)
    except KeyboardInterrupt:
        return int(ExitStatus.INTERRUPTED)


async def _run_line_mode(
    settings: Settings, env: Environment, reach: Optional[Reach]
) -> ExitStatus:
    from rpdb_client.line_mode import run_line_mode

    return await run_line_mode(settings, env, reach=reach)


def _say(text: str) -> None:
    # Errors quote host names from the config, paths and other processes: shown, not obeyed.
    from rpdb_client.output.sanitize import make_visible

    click.echo(f"rpdb-connect: {make_visible(text)}", err=True)


def run(argv: Sequence[str], env: Environment) -> int:
    """``rpdb-connect ARGV`` in ``env``: the exit status (click's own exits included)."""
    # Click writes help, usage errors and its echo() to sys.stdout and sys.stderr: the run's.
    with contextlib.redirect_stdout(env.stdout), contextlib.redirect_stderr(env.stderr):
        try:
            command.main(list(argv), prog_name="rpdb-connect", obj=env)
        except SystemExit as done:  # the command's sys.exit(status), or click's own exit
            return done.code if isinstance(done.code, int) else int(done.code is not None)
    return int(ExitStatus.OK)


def main() -> None:
    """The console script's entry point: this process's arguments, streams and environment."""
    sys.exit(run(sys.argv[1:], Environment.from_process()))
