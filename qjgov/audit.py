"""`python -m qjgov.audit`: the audit trail of the office store (see `qjgov.office.audit`)."""

import sys

from qjgov.office.audit import main

if __name__ == "__main__":
    sys.exit(main())
