"""The rules between the command's options: what a value must be, and what goes with what.

Owns the checks that click's types cannot express: ``--prompt-regex`` must compile, and options
that only make sense together (``--count`` with ``--wait``, ``--json`` with ``--list``, ...), and
a wrong value read from ``RPDB_CONNECT_*`` blamed on that variable rather than on the option
nobody typed (:class:`BlameTheEnvironment`). Each broken rule is a :class:`click.UsageError`
naming the options, so click prints the usage line and exits with status 2. Imports click and
the settings only.
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional

import click
from click.core import ParameterSource

from rpdb_client.config import Settings


class BlameTheEnvironment(click.Command):
    """A command whose wrong values from the environment name the variable, not the option.

    Click says ``Invalid value for '--port'`` for ``RPDB_CONNECT_PORT=abc`` too, and the user
    looks for a ``--port`` they never typed.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.BadParameter as error:
            param = error.param
            if param is None or param.name is None:
                raise
            if ctx.get_parameter_source(param.name) is not ParameterSource.ENVIRONMENT:
                raise
            variable = param.envvar or f"{ctx.auto_envvar_prefix}_{param.name.upper()}"
            raise click.UsageError(
                f"Invalid value in the environment variable {variable}: {error.message}", ctx
            ) from None


def check_regex(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """The callback of ``--prompt-regex``: each value compiles."""
    for value in values:
        try:
            re.compile(value)
        except re.error as error:
            raise click.BadParameter(f"{value!r} is not a regular expression: {error}") from None
    return values


def check_finite(
    _ctx: click.Context, _param: click.Parameter, value: Optional[float]
) -> Optional[float]:
    """A number of seconds must be finite: click's FloatRange lets inf and nan through."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number of seconds")
    return value


def check_combinations(ctx: click.Context, settings: Settings, params: dict[str, Any]) -> None:
    """Options that need another one, or exclude one, after every layer is merged."""
    if settings.count is not None and not settings.wait:
        raise click.UsageError("--count needs --wait")
    if settings.any_port and not settings.wait:
        raise click.UsageError("--any needs --wait")
    if settings.pids and not settings.any_port:
        raise click.UsageError("--pid needs --any (--wait --any --pid PID)")
    if settings.json and not settings.list_debuggers:
        raise click.UsageError("--json goes with --list")
    if settings.pick and (settings.list_debuggers or settings.any_port):
        raise click.UsageError("--pick chooses one debugger: not with --list or --any")
    typed = [
        name
        for name in ("host", "port")
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE
    ]
    finders = [("--pick", settings.pick), ("--list", settings.list_debuggers)]
    finders.append(("--any", settings.any_port))
    which = next((name for name, given in finders if given), None)
    if which and (typed or (params["targets"] and not settings.places)):
        raise click.UsageError(f"{which} finds debuggers itself: not with a TARGET, --host, --port")
    if len(settings.places) > 1 and not (settings.list_debuggers or settings.any_port):
        raise click.UsageError("several targets go with --list or --wait --any: name one")
    if settings.places and settings.pick and len(settings.places) > 1:
        raise click.UsageError("--pick chooses on one machine: name one target")
