"""What the command says about itself: ``--version`` and ``--print-config``, which print and exit.

Both are eager click callbacks, run before any other option is looked at, and stay fast: they
read installed metadata and a packaged file, never import prompt_toolkit. Imports click, the
version and the name of the packaged config file only.
"""

from __future__ import annotations

import click

from rpdb_client import __version__
from rpdb_client.config import DEFAULT_CONFIG_RESOURCE


def print_config(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--print-config``: the packaged default config file, every key explained."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.resources import files

    click.echo((files("rpdb_client") / DEFAULT_CONFIG_RESOURCE).read_text("utf-8"), nl=False)
    ctx.exit()


def print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: this program's, Python's and the two libraries' versions (for bug reports)."""
    if not value or ctx.resilient_parsing:
        return
    # Read from the installed metadata: importing prompt_toolkit would cost more than the rest.
    import platform
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    click.echo(f"rpdb-connect {__version__}")
    click.echo(f"Python {platform.python_version()} ({platform.python_implementation()})")
    click.echo(f"prompt_toolkit {installed('prompt_toolkit')}")
    click.echo(f"click {installed('click')}")
    ctx.exit()
