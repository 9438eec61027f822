"""Values as people and office software write them, converted into the contract's types.

Each converter takes the text of one cell (None for an empty cell) and returns the value or
raises ValueError with a reason a person can act on. The accepted forms are those of
docs/data.md#what-real-exports-look-like.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable

import polars as pl

from qjgov.warehouse.contract import RAW_TABLES

EMPTY = {"", "-", "—", "–", "/", "无", "NULL", "null", "Null", "None", "NaN", "nan"}
TRUE = {"是", "有", "Y", "y", "1", "true", "TRUE", "True", "√", "✓", "1.0"}
FALSE = {"否", "无", "N", "n", "0", "false", "FALSE", "False", "×", "✗", "0.0"}
RATINGS = {"非常满意": 5, "满意": 4, "基本满意": 3, "不满意": 2, "非常不满意": 1}
DEPTHS = {"线下办理": 0, "网上咨询": 1, "网上预约": 2, "网上下载": 2, "网上预约下载": 2, "网上预审": 3, "网上受理": 3, "全程网办": 4}

_DASHED = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?"
)
_CHINESE = re.compile(
    r"(\d{4})年(\d{1,2})月(\d{1,2})日?(?:\s*(\d{1,2})[时:](\d{1,2})(?:分|:(\d{1,2}))?(?:(\d{1,2})秒)?)?"
)
_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")
_CODE_SEPARATORS = re.compile(r"[|,，、;；\r\n]+")
_DAYS = re.compile(r"(-?\d+(?:\.0+)?)\s*(?:天|日|个?工作日)?")


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    return None if text in EMPTY else text


def timestamp(value: str | None) -> dt.datetime | None:
    """A time kept to whole seconds (Excel cells carry rounding noise): the nearest second."""
    text = _text(value)
    if text is None:
        return None
    for pattern in (_DASHED, _CHINESE, _DIGITS):
        match = pattern.fullmatch(text)
        if match:
            year, month, day, hour, minute, second, fraction = (list(match.groups()) + [None] * 7)[:7]
            if pattern is _CHINESE:  # the seconds may be written "05秒"
                second = second or fraction
                fraction = None
            try:
                moment = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
            except ValueError:
                raise ValueError(f"{text!r} is not a real date or time") from None
            if fraction and float("0." + fraction) >= 0.5:
                moment += dt.timedelta(seconds=1)
            return moment
    raise ValueError(f"{text!r} is not a date and time (e.g. 2021-03-05 14:30:00, 2021/3/5 14:30, 2021年3月5日 14时30分)")


def date(value: str | None) -> dt.date | None:
    moment = timestamp(value)
    return None if moment is None else moment.date()


def boolean(value: str | None) -> bool | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    if text in EMPTY:
        return None
    raise ValueError(f"{text!r} is not yes or no (是/否, Y/N, 1/0, true/false, √/×)")


def integer(value: str | None) -> int | None:
    text = _text(value)
    if text is None:
        return None
    match = _DAYS.fullmatch(text)
    number = _whole(match.group(1)) if match else None
    if number is None:
        raise ValueError(f"{text!r} is not a whole number")
    return number


INT32 = 2**31 - 1


def _whole(text: str) -> int | None:
    """A whole number written as text ("3", "3.0"), or None when it is not one."""
    try:
        number = float(text)
        whole = int(number)
    except (ValueError, OverflowError):  # not a number, or inf / nan
        return None
    if number != whole:
        return None
    if abs(whole) > INT32:
        raise ValueError(f"{text!r} is far too large")
    return whole


def _number_or_word(words: dict[str, int], what: str) -> Callable[[str | None], int | None]:
    """A converter for a scale written as a number or as its word (ratings, online depth)."""

    def convert(value: str | None) -> int | None:
        text = _text(value)
        if text is None:
            return None
        if text in words:
            return words[text]
        number = _whole(text)
        if number is None:
            raise ValueError(f"{text!r} is not {what}")
        return number

    return convert


rating = _number_or_word(RATINGS, "a rating (1–5, or 非常满意 … 非常不满意)")
online_depth = _number_or_word(DEPTHS, "an online depth (0–4, or 线下办理 … 全程网办)")


def item_codes(value: str | None) -> str | None:
    text = _text(value)
    if text is None:
        return None
    return "|".join(code.strip() for code in _CODE_SEPARATORS.split(text) if code.strip())


def text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return None if stripped in EMPTY else stripped


_BY_TYPE: dict[type, Callable[[str | None], object]] = {
    pl.Datetime: timestamp,
    pl.Date: date,
    pl.Boolean: boolean,
    pl.Int32: integer,
    pl.String: text,
}
_SPECIAL: dict[tuple[str, str], Callable[[str | None], object]] = {
    ("reviews", "rating"): rating,
    ("items", "online_depth"): online_depth,
    ("one_thing_packages", "item_codes"): item_codes,
}


def converter(table: str, column: str) -> Callable[[str | None], object]:
    """The converter of one contract column, remembering what it has seen (exports repeat
    the same channels, statuses and booleans on every row)."""
    function = _SPECIAL.get((table, column)) or _BY_TYPE[type(RAW_TABLES[table][column])]
    return functools.lru_cache(maxsize=4096)(function)
