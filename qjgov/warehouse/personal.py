"""What personal data looks like in text: ID-card and mobile numbers, however they are written.

One set of patterns serves the build's check (DuckDB's RE2 through `regexp_matches`) and
Python (`re`), so the two can never disagree. They find:
- ID-card numbers of 18 characters (the last may be X) and the old 15-digit ones;
- mobile numbers of 11 digits starting 13–19, with or without +86 / 86, grouped 3-4-4 by
  spaces or dashes;
in ASCII or full-width digits, and not as part of a longer run of digits.
"""

from __future__ import annotations

import re
import unicodedata

_DIGIT = "[0-9０-９]"
_NONZERO = "[1-9１-９]"
_CHECK = "[0-9０-９XxＸｘ]"
_SEPARATOR = "[ \\-－\u3000]?"
# RE2 has no look-around: a match is fenced by a non-digit character or the end of the text.
_BEFORE = "(?:^|[^0-9０-９])"
_AFTER = "(?:$|[^0-9０-９XxＸｘ])"

ID_CARD = f"{_NONZERO}{_DIGIT}{{16}}{_CHECK}|{_NONZERO}{_DIGIT}{{14}}"
MOBILE = (
    f"(?:[+＋]?[8８][6６]{_SEPARATOR})?[1１][3-9３-９]{_DIGIT}"
    f"{_SEPARATOR}{_DIGIT}{{4}}{_SEPARATOR}{_DIGIT}{{4}}"
)
PATTERN = f"{_BEFORE}(?:{ID_CARD}|{MOBILE}){_AFTER}"

_COMPILED = re.compile(PATTERN)
# The same, fenced by look-around (which Python has and RE2 lacks), so a match is the number alone.
_NUMBER = re.compile(f"(?<![0-9０-９])(?:(?P<id>{ID_CARD})|(?P<mobile>{MOBILE}))(?![0-9０-９XxＸｘ])")


def contains_personal_data(text: str | None) -> bool:
    """Whether `text` holds something that reads as an ID-card or mobile number."""
    return bool(text) and _COMPILED.search(text) is not None


def sql_condition(column: str) -> str:
    """A DuckDB condition true where `column` (a quoted identifier) holds personal data."""
    return f"regexp_matches({column}, '{PATTERN}')"


def _mask(match: re.Match) -> str:
    digits = re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", match.group(0)).upper())
    if match.group("id"):
        return digits[:6] + "*" * (len(digits) - 7) + digits[-1]
    mobile = digits[-11:]
    return mobile[:3] + "****" + mobile[-4:]


def mask(text: str) -> str:
    """`text` with every ID-card number cut to its region and last character
    (500114***********4) and every mobile number to its first three and last four digits
    (138****8000)."""
    return _NUMBER.sub(_mask, text) if text else text
