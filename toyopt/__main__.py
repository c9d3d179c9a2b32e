"""Entry point of `python -m toyopt`, which runs `toyopt.cli.main`."""

import sys

from toyopt.cli import main

if __name__ == "__main__":
    sys.exit(main())
