"""Which runner a run needs: this machine's, or one whose connections helpers make elsewhere.

Owns the choice between :class:`~rpdb_client.engine.runner.Runner` and
:class:`~rpdb_client.engine.remote_runner.RemoteRunner`. The latter, and the channel code it
stands on, is imported only for a run with other machines: a local run starts without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

from rpdb_client.config import Settings
from rpdb_client.engine.runner import Runner
from rpdb_client.engine.session_listener import FrontEnd

if TYPE_CHECKING:
    from rpdb_client.remote.reach import Reach


def make_runner(
    settings: Settings,
    front_end: FrontEnd,
    clock: Callable[[], float],
    reach: Optional[Reach] = None,
) -> Runner:
    """The runner of ``settings``: on this machine, or through helpers on its places."""
    if not settings.places:
        return Runner(settings, front_end, clock)
    from rpdb_client.engine.remote_runner import RemoteRunner
    from rpdb_client.remote.reach import Reach, target_of

    if reach is None:
        reach = Reach(settings.ssh_command, settings.remote_python, None)
    targets = [target_of(place) for place in settings.places]
    return RemoteRunner(settings, front_end, clock, reach, targets)
