"""A celery task body stopping in ``celery.contrib.rdb`` inside a process named like pool worker 3.

No broker is needed: celery's rdb only looks at billiard's process name to pick its port,
``CELERY_RDB_PORT`` + 3 for ``ForkPoolWorker-3``. Writes ``result=N`` to stdout at the end.
"""

from __future__ import annotations

from billiard.process import current_process

current_process().name = "ForkPoolWorker-3"


def add(x: int, y: int) -> int:
    result = x + y
    from celery.contrib import rdb

    rdb.set_trace()
    return result


print(f"result={add(2, 3)}", flush=True)
