"""What the session learns from pdb's output, however the output is cut into pieces."""

from __future__ import annotations

import pytest

from rpdb_client.engine.output_watch import OutputWatch

OUTPUT = (
    "> /srv/app.py(12)index()\n-> return response\n"
    "Breakpoint 1 at /srv/app.py:20\nBreakpoint 2 at /srv/app.py:30\n"
    "Deleted breakpoint 1 at /srv/app.py:20\n"
    "> /srv/app.py(20)other()\n"
    "*** UnicodeEncodeError: 'ascii' codec can't encode character '\\xe9'\n"
)


@pytest.mark.parametrize("size", [1, 3, 7, 50, len(OUTPUT)])
def test_facts_survive_any_cut(size: int) -> None:
    watch = OutputWatch()
    learnt = [watch.feed(OUTPUT[i : i + size]) for i in range(0, len(OUTPUT), size)]
    assert watch.breakpoints == {2: "/srv/app.py:30"}
    assert watch.location == "/srv/app.py(20)other()"
    assert watch.speaks_ascii and learnt.count(True) == 1  # said once


def test_a_big_reply_is_only_scanned() -> None:
    watch = OutputWatch()
    assert watch.feed("x" * 1_000_000 + "\n") is False
    assert watch.breakpoints == {} and watch.location is None
