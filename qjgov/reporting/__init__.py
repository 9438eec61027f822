"""The monthly progress report: the marts at one as-of date as a printable document (HTML
and CSS, set into an A4 PDF by WeasyPrint). Reads the published warehouse only (marts.* and
meta.*), through a read-only connection; computes no metric."""
