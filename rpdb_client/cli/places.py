"""Runs whose workers are on other machines or in containers: log in first, end it all at exit.

Owns the order of a run with ``settings.places`` (docs/protocol.md section 8): every SSH host is
logged in to before a front end takes the terminal (``ssh`` may ask there), ``--list`` asks
every place at once, ``--pick`` asks the one place, and the shared connections are ended
however the run ends. A place that cannot be used is one line; with several the others go on.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from rpdb_client.cli import listing
from rpdb_client.config import Settings
from rpdb_client.environment import Environment
from rpdb_client.errors import ExitStatus
from rpdb_client.remote.reach import Reach, target_of


def dispatch_there(
    settings: Settings,
    env: Environment,
    run: Callable[[Settings, Environment, Reach], int],
    say: Callable[[str], None],
) -> int:
    """Other machines: log in to each first (ssh may ask on the terminal), end it all at exit.

    A machine that cannot be used is one line; with several (``--list``, ``--wait --any``)
    the others go on.
    """
    targets = [target_of(place) for place in settings.places]
    reach = Reach(settings.ssh_command, settings.remote_python, env.environ.get("XDG_RUNTIME_DIR"))
    try:
        failed = reach.prepare(targets)
        ready = [target for target in targets if target not in failed]
        if settings.list_debuggers:
            found, failures = listing.list_there(reach, ready)
            failures.update({target.name: error for target, error in failed.items()})
            return int(listing.print_rows(settings, env, found, failures))
        for error in failed.values():
            if not ready:
                raise error
            say(f"{error.message}; going on without it")
        kept = tuple(place for place, target in zip(settings.places, targets) if target in ready)
        settings = dataclasses.replace(settings, places=kept)
        if settings.pick:
            found, failures = listing.list_there(reach, ready, before_a_session=True)
            for failure in failures.values():
                raise failure
            settings = listing.pick(settings, env, found[ready[0].name])
        return run(settings, env, reach)
    except KeyboardInterrupt:  # while logging in: ssh has been stopped
        return int(ExitStatus.INTERRUPTED)
    finally:
        reach.close()
