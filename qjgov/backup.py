"""`python -m qjgov.backup`: back up or restore the office store (see `qjgov.office.backup`)."""

import sys

from qjgov.office.backup import main

if __name__ == "__main__":
    sys.exit(main())
