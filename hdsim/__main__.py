"""``python -m hdsim``: the ``hdsim`` command."""

from hdsim.cli import main

if __name__ == "__main__":
    main()
