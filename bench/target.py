"""The debugged program the benchmark drives: ``python target.py KIND PORT MODE``.

MODE ``stop``: one stop with ``i`` and a 20 MB string ``blob`` in scope; ``loop``: 200 stops in
a loop, each answered with ``c``. KIND is ``rpdb`` or ``remote_pdb``.
"""

from __future__ import annotations

import sys

KIND, PORT, MODE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
LOOPS = 200


def stop() -> None:
    frame = sys._getframe(1)
    if KIND == "rpdb":
        import rpdb

        rpdb.set_trace(port=PORT, frame=frame)
    else:
        from remote_pdb import RemotePdb

        RemotePdb("127.0.0.1", PORT, quiet=True).set_trace(frame)


if MODE == "stop":
    i = 7
    blob = "x" * 20_000_000
    stop()
else:
    for _ in range(LOOPS):
        stop()
