"""``python -m bulkio`` runs the same CLI as the ``bulkio`` console script."""

from bulkio.cli import main

if __name__ == "__main__":
    main()
