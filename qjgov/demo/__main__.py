"""`python -m qjgov.demo`: generate the demo data and build the demo warehouse."""

import sys

from qjgov.demo.build import main

if __name__ == "__main__":
    sys.exit(main())
