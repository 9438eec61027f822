"""`python -m qjgov.generate`: write the demo raw data (see `qjgov.demo.generate`)."""

import sys

from qjgov.demo.generate import main

if __name__ == "__main__":
    sys.exit(main())
