"""``python -m rpdb_client``: the same as the ``rpdb-connect`` command."""

from rpdb_client.cli.command import main

if __name__ == "__main__":
    main()
