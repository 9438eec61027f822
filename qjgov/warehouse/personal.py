"""What personal data looks like in text: ID-card and mobile numbers, however they are written.

One set of patterns serves the build's check (DuckDB's RE2 through `regexp_matches`) and
Python (`re`), so the two can never disagree. A text is read as it is and with its full-width
digits and signs read as their ASCII forms (`translate`, one character for one, so positions
stay): a number in either reading counts (`13800138000１` holds a mobile number as it is,
though read in ASCII it runs into a twelfth digit). They find:
- ID-card numbers: 18 characters (region, birth date, sequence, check digit or X) and the
  old 15-digit ones, also when a space, dot or dash splits region, birth date and the rest;
- mobile numbers: 11 digits starting 13–19, with or without +86 / 86, grouped by spaces,
  dots or dashes in any way;
and not as part of a longer run of digits. The birth date must be a real month and day,
so a long case number is not taken for an ID card.
"""

from __future__ import annotations

import re

FULL_WIDTH = "０１２３４５６７８９ＸｘＸ＋－．\u3000"
HALF_WIDTH = "0123456789XxX+-. "
_TO_ASCII = str.maketrans(FULL_WIDTH, HALF_WIDTH)

_SEP = "[ .-]?"
_DATE = "(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
ID_CARD = (
    f"[1-9][0-9]{{5}}{_SEP}(?:18|19|20)[0-9]{{2}}{_DATE}{_SEP}[0-9]{{3}}[0-9Xx]"
    f"|[1-9][0-9]{{5}}{_SEP}[0-9]{{2}}{_DATE}{_SEP}[0-9]{{3}}"
)
MOBILE = f"(?:[+]?86{_SEP})?1[3-9][0-9](?:{_SEP}[0-9]){{8}}"
# RE2 has no look-around: a match is fenced by a non-digit character or the end of the text.
PATTERN = f"(?:^|[^0-9])(?:{ID_CARD}|{MOBILE})(?:$|[^0-9Xx])"

_COMPILED = re.compile(PATTERN)
# The same, fenced by look-around (which Python has and RE2 lacks), so a match is the number alone.
_NUMBER = re.compile(f"(?<![0-9])(?:(?P<id>{ID_CARD})|(?P<mobile>{MOBILE}))(?![0-9Xx])")


def contains_personal_data(text: str | None) -> bool:
    """Whether `text` holds something that reads as an ID-card or mobile number, as it is or
    with its full-width characters in ASCII (as `sql_condition`)."""
    return bool(text) and any(_COMPILED.search(reading) for reading in {text, text.translate(_TO_ASCII)})


def sql_condition(column: str) -> str:
    """A DuckDB condition true where `column` (a quoted identifier) holds personal data."""
    # translate() costs ten times the match: only text with a full-width sign needs it. A
    # CASE, because DuckDB evaluates both sides of AND and OR for every row where it computes
    # a value (a projection, an aggregate's FILTER), and only the chosen branch of a CASE.
    return (
        f"(case when regexp_matches({column}, '[{FULL_WIDTH}]') "
        f"then regexp_matches({column}, '{PATTERN}') "
        f"or regexp_matches(translate({column}, '{FULL_WIDTH}', '{HALF_WIDTH}'), '{PATTERN}') "
        f"else regexp_matches({column}, '{PATTERN}') end)"
    )


def _masked(number: str, is_id: bool) -> str:
    digits = re.sub(r"[^0-9X]", "", number.upper())
    if is_id:
        return digits[:6] + "*" * (len(digits) - 7) + digits[-1]
    mobile = digits[-11:]
    return mobile[:3] + "****" + mobile[-4:]


def mask(text: str) -> str:
    """`text` with every ID-card number cut to its region and last character
    (500114***********4) and every mobile number to its first three and last four digits
    (138****8000)."""
    if not text:
        return text
    ascii_text = text.translate(_TO_ASCII)
    # The numbers of both readings (as `contains_personal_data`), overlapping ones as one.
    found = sorted((m.start(), m.end(), m.group("id") is not None) for reading in {text, ascii_text} for m in _NUMBER.finditer(reading))
    spans: list[list] = []
    for start, end, is_id in found:
        if spans and start < spans[-1][1]:
            spans[-1][1], spans[-1][2] = max(end, spans[-1][1]), spans[-1][2] or is_id
        else:
            spans.append([start, end, is_id])
    pieces, last = [], 0
    for start, end, is_id in spans:
        pieces += [text[last:start], _masked(ascii_text[start:end], is_id)]
        last = end
    return "".join(pieces) + text[last:]
