"""A Twisted line service whose handler stops in rpdb: ``python twisted_service.py PORT``.

A line starting with ``debug`` stops in rpdb (port ``RPDB_TEST_PORT``) before the reply is
sent; any other line is answered at once. The reply is ``reply``, which the debugger may change.
"""

from __future__ import annotations

import os
import sys
from typing import Protocol, cast

import rpdb
from twisted.internet import reactor as installed_reactor
from twisted.internet.protocol import Factory
from twisted.protocols.basic import LineReceiver


class Echo(LineReceiver):
    delimiter = b"\n"

    def lineReceived(self, line: bytes) -> None:
        reply = b"echo " + line
        if line.startswith(b"debug"):
            rpdb.set_trace(port=int(os.environ["RPDB_TEST_PORT"]))
        self.sendLine(reply)  # type: ignore[no-untyped-call]  # Twisted leaves it unannotated


class EchoFactory(Factory):
    protocol = Echo


class Reactor(Protocol):
    """What this service uses of the reactor (Twisted types the installed one as its module)."""

    def listenTCP(self, port: int, factory: Factory, interface: str) -> object: ...

    def run(self) -> None: ...


reactor = cast(Reactor, installed_reactor)
reactor.listenTCP(int(sys.argv[1]), EchoFactory(), interface="127.0.0.1")
print("serving", flush=True)
reactor.run()
