"""The text after the options in ``--help``: examples, where the configuration is, exit statuses.

Owns what ``rpdb-connect --help`` ends with; the exit statuses are those of
:class:`rpdb_client.errors.ExitStatus` (tests/test_cli.py holds the two together).
"""

from __future__ import annotations

EPILOG = """\b
Examples:
  rpdb-connect                        connect to 127.0.0.1:4444 (rpdb's default)
  rpdb-connect --port 6899            connect to celery.contrib.rdb's default port
  rpdb-connect --wait                 wait for set_trace(), and again after each session
  rpdb-connect --wait -c 'p request.path' </dev/null
                                      log a value on every request, then continue
  rpdb-connect staging-worker         a named target: [targets.staging-worker] in the config
  rpdb-connect --list                 debuggers waiting on this machine (never connects)
  rpdb-connect --wait --any           the next debugger to appear, on any port
  rpdb-connect --wait ssh://staging-1 the same on another machine, through ssh
  rpdb-connect --list ssh://web1 ssh://web2
                                      the debuggers waiting on each host, in parallel
  rpdb-connect --via 'docker exec -i app' -p 4444
                                      a debugger on a container's own 127.0.0.1

\b
Configuration:
  $XDG_CONFIG_HOME/rpdb-connect/config.toml, or --config PATH; --print-config shows every key.
  Environment: RPDB_CONNECT_<OPTION>, e.g. RPDB_CONNECT_PORT=6899 RPDB_CONNECT_WAIT=1.
  Precedence: options > the named target > environment > config file > defaults.

\b
Exit status:
  0    every session ended by c, q or a safe detach
  1    a connection was lost, or the peer is not a line-based pdb
  2    usage error, or a broken config file
  3    could not connect
  4    the client's own output (stdout, stderr, --log) failed; it detached safely
  5    the other machine or container could not be used (ssh refused, unknown host key,
       no python3 there)
  130  interrupted by Ctrl-C or a signal (an open session is detached safely first)
"""
