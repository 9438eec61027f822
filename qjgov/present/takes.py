"""What it would take to meet a goal, in sentences: from the mart's to_go, required_rate,
gap, projection and chance of meeting, in the goal's own words (seeds/goal_words.csv: units named per goal,
items, trips, reviews, decisions, cases…). The goal tab and the monthly report say the same."""

from __future__ import annotations

import datetime as dt

from qjgov.present import words
from qjgov.present.numbers import (
    SAME, Figures, beyond_reach, figures, fmt_amount, fmt_chance, fmt_count, fmt_percent, fmt_value, is_missing,
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
        impossible = rate > 1 + SAME  # 100 % within the marts' rounding slack is within reach, as the chance takes it
        if impossible:
            sentences.append(words.t(lang, "rate.impossible", **parts))
        elif rate < 0:
            sentences.append(words.t(lang, "rate.assured", noun=parts["noun"], verb=parts["verb"]))
        else:
            sentences.append(words.t(lang, "rate.within", **parts))
        if not is_missing(row.get("recent_rate")):
            sentences.append(words.t(lang, "rate.recent", rate=fmt_percent(row["recent_rate"])))
        sentences += _chance_if_held(lang, row, parts["rate"], impossible)
    if row["deadline"] is not None and as_of >= row["deadline"]:
        sentences.append(words.t(lang, "projection.final", actual=shown.actual, target=shown.target))
    elif not is_missing(row["projected"]):
        kind = "projection.run_rate" if row["projection_kind"] == "run_rate" else "projection.trend"
        sentences.append(words.t(lang, kind, projected=shown.projected, target=shown.target))
    return sentences


def _chance_if_held(lang: str, row: dict, rate: str, impossible: bool) -> list[str]:
    """How the chance of meeting the goal moves if the coming month meets the required rate
    (`rate`, as written): the mart's p_meet_if_held against today's p_meet. A required rate
    above 100 % cannot be held: the chance then says, as the rate does, that the goal can no
    longer be met ("< 1 %")."""
    chance = row.get("p_meet")
    if is_missing(chance):
        return []
    now = fmt_chance(chance, row.get("month_no"))
    if impossible:
        return [words.t(lang, "rate.chance_impossible", chance=now)]
    held = row.get("p_meet_if_held")
    if is_missing(held):
        return []
    then = fmt_chance(held, row.get("month_no"))  # a month-end before December: never 0 % or 100 %
    if then == now:
        return [words.t(lang, "rate.held_same", rate=rate, chance=now)]
    return [words.t(lang, "rate.held", rate=rate, before=now, after=then)]
