"""The facts about the process behind a connection made on this machine, as plain data.

Owns what the helper on the far side tells the client about a connection it made there
(docs/protocol.md section 8), read from that machine's kernel exactly as the client reads its
own (``rpdb_client.engine.identity``): who owns the socket, the process and its label, the
worker's time limit and the encoding it decodes input with, and the users of the ``--pid``
processes, for the owner check, which the client makes against the user the helper runs as.

Standard library only, Python 3.7 or newer; never connects, never prints.
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, Iterable, Optional, Tuple

from .frames import plain
from .input_encoding import input_encoding_of
from .listeners import find_connection
from .processes import describe_process, pids_for_inodes, users_of
from .worker_limits import find_worker_timeout

ACCEPT_WAIT = 0.05
"""The server's end has no inode until its ``accept()`` returns: wait for it this long."""


def peer_facts(
    local: Tuple[str, int], peer: Tuple[str, int], pids: Iterable[int] = ()
) -> Dict[str, Any]:
    """What is known of the listener's process; every field None when it cannot be read."""
    facts: Dict[str, Any] = {
        "me": os.getuid(),
        "uid": None,
        "process": None,
        "timeout": None,
        "encoding": None,
        "pid_users": sorted(users_of(pids)),
    }
    info = find_connection(local, peer)
    deadline = time.monotonic() + ACCEPT_WAIT
    while info is not None and not info.inode and time.monotonic() < deadline:
        time.sleep(0.0005)
        info = find_connection(local, peer)
    if info is None:
        return facts
    facts["uid"] = info.uid
    pid: Optional[int] = pids_for_inodes({info.inode}).get(info.inode) if info.inode else None
    if pid is None:
        return facts
    try:
        process = describe_process(pid)
    except ProcessLookupError:
        return facts
    facts["process"] = plain(process)
    facts["timeout"] = plain(find_worker_timeout(process))
    facts["encoding"] = plain(input_encoding_of(pid))
    return facts
