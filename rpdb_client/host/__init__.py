"""The host: this machine's kernel and ``/proc``, read without touching a debugger.

Owns the listening sockets and their backlogs (``listeners``), the processes behind them
(``processes``), the web servers' limits on a worker's life (``worker_limits``) and the join of
all three into debugger candidates (``discovery``). It never connects (a probe is a quit to a
waiting debugger: docs/protocol.md section 5) and never prints.

May import: the standard library only, and must run on Python 3.7: this folder is what a remote
host's ``python3`` runs, sent over the SSH channel, so it imports nothing else of the package.
"""
