"""`python -m qjgov.calibrate`: how well the chance of meeting each goal comes true (see `qjgov.calibration`)."""

import sys

from qjgov.calibration.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
