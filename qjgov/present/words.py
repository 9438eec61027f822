"""Every word the app and the monthly report show, in Chinese (the default) and English.

The words are data: one TOML file per language beside this module (`zh.toml`, `en.toml`),
with the same keys, so a missing translation is a failing test rather than a mixed-language
screen. Goal and area names, plan sentences, the sentences of each goal (formula, what it would
take, list titles) and code labels come from the seeds through the marts (`marts.goals`,
`marts.labels`). Placeholders use `str.format` names and must be the same in both languages.
"""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}


def _load(lang: str) -> dict[str, str]:
    """`[section]` tables of `key = "text"` as flat `section.key` names."""
    with open(Path(__file__).with_name(f"{lang}.toml"), "rb") as handle:
        tables = tomllib.load(handle)
    return {f"{section}.{key}": text for section, table in tables.items() for key, text in table.items()}


STRINGS: dict[str, dict[str, str]] = {lang: _load(lang) for lang in LANGUAGES}
ZH, EN = STRINGS["zh"], STRINGS["en"]

_CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def language(value: str | None) -> str:
    """A supported language code; anything else (a hand-edited URL) falls back to Chinese."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def from_locale(locale: str | None) -> str:
    """The language for a browser's locale when the URL names none: Chinese for a Chinese
    browser (or none known), English for any other (a visitor who reads no Chinese)."""
    if not locale:
        return DEFAULT_LANGUAGE
    return "zh" if locale.lower().startswith("zh") else "en"


def t(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang`, formatted. A missing key raises: better a failing test
    than a raw key or the other language on screen."""
    text = STRINGS[language(lang)][key]
    if not values:
        return text
    counts = {name: value for name, value in values.items() if _is_count(value)}
    if counts and language(lang) == "en":  # the counts in first, their nouns agreed, then the rest (a user's text is never changed)
        text = agree(lang, text.format_map(_Kept(counts)))
    return text.format(**values)


class _Kept(dict):
    """Format values that leave every other placeholder as it is."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def _is_count(value: object) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and re.fullmatch(r"\d[\d,]*", value) is not None)


# The plural nouns English texts count (texts, the goals' seed sentences, count units), and
# their singular after a count of one.
_SINGULAR = {
    "rows": "row", "items": "item", "cases": "case", "warnings": "warning", "versions": "version", "goals": "goal",
    "views": "view", "days": "day", "records": "record", "reviews": "review", "trips": "trip", "packages": "package",
    "notes": "note", "decisions": "decision", "complaints": "complaint", "departments": "department", "files": "file",
    "duties": "duty", "months": "month", "sheets": "sheet", "columns": "column", "units": "unit", "visits": "visit",
}
_ONE = re.compile(r"(?<![\d.,])\b1 ((?:(?!(?:of|in|from|to|with|the|a) )[A-Za-z–-]+ ){0,3}?)(" + "|".join(_SINGULAR) + r")\b")


def agree(lang: str, text: str) -> str:
    """English nouns after a count of one in the singular: "1 rows" → "1 row", "1 working
    days" → "1 working day", "1 more Sichuan–Chongqing items" → "1 more Sichuan–Chongqing
    item" (at most three words between, as the goals' sentences have; never across "of").
    Texts that count are worded so no verb follows the count's number ("… still to be
    answered"). Chinese has no plural."""
    if lang != "en":
        return text
    return _ONE.sub(lambda m: f"1 {m.group(1)}{_SINGULAR[m.group(2)]}", text)


def plain(text: object) -> str:
    """Text a visitor typed or a file carried (a query's error, a file name, a refusal's
    reason), to be put inside an element that reads Markdown, shown exactly as it is: as one
    code span, whose content Markdown never reads, so no link, image, emphasis, HTML, colour,
    icon, formula or bare address (escaping the punctuation would still leave GitHub-style
    autolinks of `www.…` and `https://…`) can come of it. Elements that show text as it is
    (`st.code`, a table's cells) need none."""
    value = str(text).replace("\r", " ").replace("\n", " ")
    if not value:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def has(key: str) -> bool:
    """Whether a key exists (for optional texts such as per-goal lists)."""
    return key in ZH


def placeholders(text: str) -> set[str]:
    """The `str.format` field names in a text, for the test that both languages agree."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def plan_clause(lang: str, clause: str | None) -> str:
    """The milestones seed names plan clauses in Chinese (重点任务三, 保障措施二); English
    readers get "Key task 3", "Safeguard 2"."""
    if not clause:
        return t(lang, "common.none")
    match = re.fullmatch(r"(重点任务|保障措施)([一二三四五六七八九十]+)", clause.strip())
    if not match:
        return clause if lang == "zh" else t(lang, "common.none")
    numeral = match.group(2)
    number = _CHINESE_NUMERALS[numeral] if len(numeral) == 1 else 10 + _CHINESE_NUMERALS.get(numeral[-1], 0)
    key = "clause.key_task" if match.group(1) == "重点任务" else "clause.safeguard"
    return t(lang, key, n=numeral if lang == "zh" else number)


def english(text: str | None) -> str:
    """Seed text for English screens without the Chinese gloss some sentences carry,
    e.g. "on-the-spot (即办件) items" -> "on-the-spot items"."""
    if not text:
        return ""
    return re.sub(r"\s*[（(][^）)]*[\u2e80-\u9fff][^）)]*[）)]", "", text).strip()


def seed_text(lang: str, seed: dict, name: str) -> str | None:
    """A goal's own sentence (marts.goals `<name>_zh` / `<name>_en`), or None when it has none."""
    return seed.get(f"{name}_{lang}") or None


def goal_name(lang: str, row: dict) -> str:
    return row["name_zh"] if lang == "zh" else row["name_en"]


def plan_sentence(lang: str, row: dict) -> str:
    return row["plan_text_zh"] if lang == "zh" else english(row["plan_text_en"])


def formula(lang: str, seed: dict) -> str:
    """A goal's formula, with the working days of its rule (marts.goals) where it has one."""
    text = seed_text(lang, seed, "formula") or "—"
    if "days" not in placeholders(text):
        return text
    days = seed.get("rule_days")
    return text.format(days="—" if days is None else days)
