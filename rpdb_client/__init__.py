"""rpdb-connect: a terminal client for Python's remote debuggers.

Owns only the version; everything else lives in its own module.
"""

__version__ = "0.1.0"
