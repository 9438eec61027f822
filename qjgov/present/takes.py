"""What it would take to meet a goal, in sentences: from the mart's to_go, required_rate,
gap and projection, in the goal's own words (seeds/goal_words.csv: units named per goal,
items, trips, reviews, decisions, cases…). The goal tab and the monthly report say the same."""

from __future__ import annotations

import datetime as dt

from qjgov.present import words
from qjgov.present.numbers import (
    Figures, beyond_reach, figures, fmt_amount, fmt_count, fmt_percent, fmt_value, is_missing,
)
from qjgov.present.words import seed_text


def what_it_takes(lang: str, as_of: dt.date, row: dict, seed: dict, shown: Figures | None = None) -> list[str]:
    """The sentences for one goal row (marts.goals with goal_progress at `as_of`); `seed` holds
    the goal's sentences (marts.goals: take, take_met, rate_noun, rate_verb); `shown`, the row
    as already written for the page or report beside them."""
    if is_missing(row["actual"]):
        return [words.t(lang, "status.help.no_data")]
    shown = shown or figures(lang, row)
    sentences: list[str] = []
    if seed_text(lang, seed, "take_met"):  # no count to go (G04): say how far off the mean is
        values = dict(actual=fmt_value(row["actual"], "ratio", row["target"]), target=fmt_percent(row["target"]))
        if row["met"]:
            sentences.append(seed_text(lang, seed, "take_met").format(**values))
        else:
            gap = fmt_amount(lang, abs(row["gap"]), "ratio")
            sentences.append(seed_text(lang, seed, "take").format(gap=gap, **values))
    elif beyond_reach(row):
        sentences.append(words.t(lang, "take.cannot_exceed", target=fmt_percent(row["target"])))
    elif not is_missing(row["to_go"]):
        to_go = int(row["to_go"])
        if to_go == 0:
            sentences.append(words.t(lang, "take.met"))
        else:
            sentences.append(words.agree(lang, seed_text(lang, seed, "take").format(
                n=f"{to_go:,}", num=fmt_count(row["numerator"]), den=fmt_count(row["denominator"])
            )))
    rate = row["required_rate"]
    noun, verb = seed_text(lang, seed, "rate_noun"), seed_text(lang, seed, "rate_verb")
    if noun and not is_missing(rate):
        # Never printed as 100.0 % when it is above all of them (or below: "within" reach).
        parts = dict(noun=noun, verb=verb, rate=fmt_value(rate, "ratio", 1.0))
        if rate > 1:
            sentences.append(words.t(lang, "rate.impossible", **parts))
        elif rate < 0:
            sentences.append(words.t(lang, "rate.assured", noun=parts["noun"], verb=parts["verb"]))
        else:
            sentences.append(words.t(lang, "rate.within", **parts))
        if not is_missing(row.get("recent_rate")):
            sentences.append(words.t(lang, "rate.recent", rate=fmt_percent(row["recent_rate"])))
    if row["deadline"] is not None and as_of >= row["deadline"]:
        sentences.append(words.t(lang, "projection.final", actual=shown.actual, target=shown.target))
    elif not is_missing(row["projected"]):
        kind = "projection.run_rate" if row["projection_kind"] == "run_rate" else "projection.trend"
        sentences.append(words.t(lang, kind, projected=shown.projected, target=shown.target))
    return sentences
