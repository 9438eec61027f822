"""How well stated chances came true: Brier scores, skill against two references, reliability.

A chance p for an event that happened (o = 1) or not (o = 0) scores (p − o)²; the Brier score
is the mean over predictions (0 is perfect; always saying 50 % scores 0.25). Skill against a
reference forecast is 1 − Brier / Brier of the reference: 1 is perfect, 0 no better than the
reference, below 0 worse. The two references:
- the base rate: each goal's share met at year-end over all simulated years (per goal and
  department for department rows), a forecast that knows how often the goal is met but
  nothing of the year at hand;
- the status read as a probability: on track 1, at risk 0.5, off track 0.
"""

from __future__ import annotations

import polars as pl

STATUS_AS_CHANCE = {"on_track": 1.0, "at_risk": 0.5, "off_track": 0.0, "achieved": 1.0, "missed": 0.0}
BIN_MIN = 50  # predictions a tenth-bin needs before its share is held to the goal
BIN_TOLERANCE = 0.07
SKILL_GOAL = 0.15
SKILL_FROM = 6  # the skill goal holds from June's month-end on


def brier(chance: pl.Expr, outcome: pl.Expr) -> pl.Expr:
    return ((chance - outcome.cast(pl.Float64)) ** 2).mean()


def with_references(judged: pl.DataFrame) -> pl.DataFrame:
    """Each judgement with the base rate of its goal (and department) and its status as a chance."""
    base = judged.group_by("goal_id", "department").agg(pl.col("met").cast(pl.Float64).mean().alias("base_rate"))
    return judged.join(base, on=["goal_id", "department"], nulls_equal=True).with_columns(
        pl.col("status").replace_strict(STATUS_AS_CHANCE, default=None, return_dtype=pl.Float64).alias("status_chance")
    )


def scores(judged: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Brier of the chance and of both references, the skills, the count and the share met,
    per group of `by` (judgements with references, `with_references`)."""
    grouped = (
        judged.filter(pl.col("status_chance").is_not_null())
        .group_by(by)
        .agg(
            pl.len().alias("predictions"),
            pl.col("met").cast(pl.Float64).mean().alias("met_share"),
            pl.col("chance").mean().alias("mean_chance"),
            brier(pl.col("chance"), pl.col("met")).alias("brier"),
            brier(pl.col("base_rate"), pl.col("met")).alias("brier_base_rate"),
            brier(pl.col("status_chance"), pl.col("met")).alias("brier_status"),
        )
        .sort(by)
    )
    return grouped.with_columns(
        skill_expr("brier_base_rate").alias("skill_base_rate"),
        skill_expr("brier_status").alias("skill_status"),
    )


def skill_expr(reference: str) -> pl.Expr:
    """`skill` over columns: none where the reference's Brier is 0."""
    return pl.when(pl.col(reference) > 0).then(1 - pl.col("brier") / pl.col(reference))


def reliability(judged: pl.DataFrame, by: list[str] | None = None) -> pl.DataFrame:
    """Stated chances in tenths (0–10 %, …, 90–100 %; 100 % in the last): per bin the count,
    the mean stated chance, the share that came true, and whether the bin holds the goal
    (within 7 points, judged only from 50 predictions on)."""
    by = by or []
    return (
        judged.with_columns((pl.col("chance") * 10).floor().clip(0, 9).cast(pl.Int64).alias("bin"))
        .group_by(*by, "bin")
        .agg(
            pl.len().alias("predictions"),
            pl.col("chance").mean().alias("mean_chance"),
            pl.col("met").cast(pl.Float64).mean().alias("came_true"),
        )
        .with_columns(
            (pl.col("bin") / 10).alias("bin_low"),
            ((pl.col("bin") + 1) / 10).alias("bin_high"),
            (pl.col("came_true") - pl.col("mean_chance")).alias("difference"),
        )
        .with_columns(
            pl.when(pl.col("predictions") >= BIN_MIN)
            .then(pl.col("difference").abs() <= BIN_TOLERANCE)
            .otherwise(None)
            .alias("holds")
        )
        .sort(*by, "bin")
    )
