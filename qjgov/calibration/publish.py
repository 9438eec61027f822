"""The calibration's published form: docs/calibration.md, calibration/calibration.csv (what the
app's method page reads) and the reliability diagram, calibration/reliability.png."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import polars as pl

from qjgov.calibration import score
from qjgov.paths import SEEDS_DIR

PERIODS = {"Mar–Nov": (3, 11), "Jun–Nov": (6, 11)}
MONTH_NAMES = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SCOPES = ("commission", "department")


@dataclass(frozen=True)
class Run:
    """What was simulated, for the document's method section."""

    years: int
    volumes: tuple[int, int]  # smallest and largest cases a year
    seconds: float
    date: dt.date
    conditions: list[str]  # one line per year


def families() -> pl.DataFrame:
    """Each goal's family, from the seed that keeps it."""
    return pl.read_csv(SEEDS_DIR / "targets.csv", columns=["goal_id", "family"], schema_overrides={"goal_id": pl.String})


def prepared(judged: pl.DataFrame) -> pl.DataFrame:
    """Judgements with family, scope and both references."""
    return score.with_references(judged).join(families(), on="goal_id", how="left").with_columns(
        pl.when(pl.col("department").is_null()).then(pl.lit("commission")).otherwise(pl.lit("department")).alias("scope")
    )


def table(judged: pl.DataFrame) -> pl.DataFrame:
    """The CSV's rows: per scope, family ("all" pooled) and goal ("all" pooled), for each month
    (from_month = to_month) and for March–November and June–November."""
    parts = []
    for family_col, goal_col in ((pl.col("family"), pl.col("goal_id")), (pl.col("family"), pl.lit("all")), (pl.lit("all"), pl.lit("all"))):
        keyed = judged.with_columns(family_col.alias("family_key"), goal_col.alias("goal_key"))
        monthly = score.scores(keyed, ["scope", "family_key", "goal_key", "month_no"]).with_columns(
            pl.col("month_no").alias("from_month"), pl.col("month_no").alias("to_month")
        ).drop("month_no")
        parts.append(monthly)
        for low, high in PERIODS.values():
            within = keyed.filter(pl.col("month_no").is_between(low, high))
            parts.append(
                score.scores(within, ["scope", "family_key", "goal_key"]).with_columns(
                    pl.lit(low, pl.Int64).alias("from_month"), pl.lit(high, pl.Int64).alias("to_month")
                )
            )
    columns = [
        "scope", "family", "goal_id", "from_month", "to_month", "predictions", "met_share", "mean_chance",
        "brier", "brier_base_rate", "brier_status", "skill_base_rate", "skill_status",
    ]
    return (
        pl.concat(parts, how="diagonal")
        .rename({"family_key": "family", "goal_key": "goal_id"})
        .select(columns)
        .sort("scope", "family", "goal_id", "from_month", "to_month")
    )


def goals_held(rows: pl.DataFrame, bins: pl.DataFrame) -> dict[str, bool]:
    """The two goals, on the commission's rows: every tenth-bin with enough predictions within
    7 points; the skill against the status at least 0.15 at every month-end from June on
    (all goals pooled)."""
    judged_bins = bins.filter(pl.col("holds").is_not_null())
    monthly = rows.filter(
        (pl.col("scope") == "commission") & (pl.col("family") == "all") & (pl.col("from_month") == pl.col("to_month"))
        & (pl.col("from_month") >= score.SKILL_FROM)
    )
    return {
        "reliability": judged_bins.height > 0 and bool(judged_bins["holds"].all()),
        "skill": monthly.height > 0 and bool((monthly["skill_status"].fill_null(-1.0) >= score.SKILL_GOAL).all()),
    }


def diagram(bins_by_family: pl.DataFrame, bins: pl.DataFrame) -> alt.LayerChart:
    """Stated chance against the share that came true: the diagonal is perfect calibration, the
    grey band the goal's ±7 points; the black line all goals, the coloured marks each family."""
    guide = pl.DataFrame({"x": [0.0, 1.0]})
    band = pl.DataFrame({"x": [0.0, 1.0], "low": [-score.BIN_TOLERANCE, 1 - score.BIN_TOLERANCE],
                         "high": [score.BIN_TOLERANCE, 1 + score.BIN_TOLERANCE]})
    axis_x = alt.X("mean_chance:Q", title="stated chance (mean of the tenth)", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    axis_y = alt.Y("came_true:Q", title="share that came true", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    layers = [
        alt.Chart(band).mark_area(color="#dddddd", clip=True).encode(
            x=alt.X("x:Q", scale=alt.Scale(domain=[0, 1])), y=alt.Y("low:Q", scale=alt.Scale(domain=[0, 1])), y2="high:Q"
        ),
        alt.Chart(guide).mark_line(color="#777777", strokeDash=[4, 4]).encode(x="x:Q", y="x:Q"),
        alt.Chart(bins_by_family).mark_line(point=True, opacity=0.8).encode(
            x=axis_x, y=axis_y,
            color=alt.Color("family:N", title="family", scale=alt.Scale(range=["#E69F00", "#56B4E9", "#009E73", "#CC79A7"])),
            strokeDash=alt.StrokeDash("family:N", title="family"),
        ),
        alt.Chart(bins).mark_line(color="#000000", point=alt.OverlayMarkDef(color="#000000", size=60)).encode(
            x=axis_x, y=axis_y, tooltip=["bin_low", "predictions", "mean_chance", "came_true"]
        ),
    ]
    return alt.layer(*layers).properties(
        width=420, height=420,
        title=alt.Title("Reliability of the chance of meeting each goal (commission, March–November)",
                        subtitle="black: all goals; dashed diagonal: perfect calibration; grey band: within 7 points"),
    )


def write_png(chart: alt.LayerChart, path: Path) -> None:
    import vl_convert  # loaded only when a diagram is written

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(vl_convert.vegalite_to_png(chart.to_dict(), scale=2))


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def score_rows(rows: pl.DataFrame, label: str) -> list[list[str]]:
    return [
        [str(r[label]) if label != "month" else MONTH_NAMES[r["from_month"]], f"{r['predictions']:,}", pct(r["met_share"]),
         num(r["brier"]), num(r["brier_base_rate"]), num(r["brier_status"]), num(r["skill_base_rate"], 2), num(r["skill_status"], 2)]
        for r in rows.iter_rows(named=True)
    ]


SCORE_HEADERS = ["predictions", "met at year-end", "Brier", "Brier (base rate)", "Brier (status)", "skill vs base rate", "skill vs status"]


def bin_rows(bins: pl.DataFrame) -> list[list[str]]:
    verdict = {True: "yes", False: "no", None: f"(fewer than {score.BIN_MIN})"}
    return [
        [f"{r['bin_low']:.0%}–{r['bin_high']:.0%}", f"{r['predictions']:,}", pct(r["mean_chance"]), pct(r["came_true"]),
         f"{r['difference'] * 100:+.1f}", verdict[r["holds"]]]
        for r in bins.iter_rows(named=True)
    ]


BIN_HEADERS = ["stated chance", "predictions", "mean stated", "came true", "difference (points)", "within 7 points"]


def document(rows: pl.DataFrame, bins: dict[str, pl.DataFrame], held: dict[str, bool], run: Run, png: str) -> str:
    """docs/calibration.md: how to read a chance, the method, the figures, the goals."""

    def pick(scope: str, family: str | None = None, goal: str | None = None, months: tuple[int, int] | None = None) -> pl.DataFrame:
        frame = rows.filter(pl.col("scope") == scope)
        frame = frame.filter(pl.col("family") != "all") if family is None else frame.filter(pl.col("family") == family)
        frame = frame.filter(pl.col("goal_id") != "all") if goal is None else frame.filter(pl.col("goal_id") == goal)
        if months is None:
            return frame.filter(pl.col("from_month") == pl.col("to_month"))
        return frame.filter((pl.col("from_month") == months[0]) & (pl.col("to_month") == months[1]))

    june = PERIODS["Jun–Nov"]

    def by_family(scope: str) -> str:
        """June to November per family, then all families pooled."""
        rows_ = pick(scope, None, "all", june).vstack(pick(scope, "all", "all", june))
        return markdown_table(["family", *SCORE_HEADERS], score_rows(rows_, "family"))

    yes = {True: "**met**", False: "**not met**"}
    monthly_all = pick("commission", "all", "all")
    low_month = monthly_all.filter(pl.col("from_month") >= score.SKILL_FROM)
    worst = low_month.sort("skill_status").row(0, named=True) if low_month.height else None
    family_months = pick("commission", None, "all")
    matrix_months = list(range(3, 12))
    matrix = [
        [family] + [num(family_months.filter((pl.col("family") == family) & (pl.col("from_month") == m))["skill_status"].first(), 2)
                    for m in matrix_months]
        for family in sorted(family_months["family"].unique().to_list())
    ]
    parts = [
        "# Calibration: how well the chance of meeting each goal comes true",
        "",
        f"Written by `make calibrate` (`python -m qjgov.calibrate`) on {run.date.isoformat()}: {run.years} simulated plan "
        f"years, {run.volumes[0]:,} to {run.volumes[1]:,} cases a year, in {run.seconds / 60:.0f} minutes. "
        "The figures come from the demo generator's simulated years, not from the commission's own history.",
        "",
        "## How to read a chance",
        "",
        "Beside each goal's projection the scorecard gives the chance that the goal is met at the end of the year "
        "(达标可能性), given only what is known on the as-of date. A chance of 70 % means: of all the goals that "
        "were given about 70 % at that point of a year, about 7 in 10 were met and 3 in 10 were not. It is not a "
        "promise and not a share of the target. \"> 99 %\" and \"< 1 %\" mean that the year's remaining months would "
        "have to turn far outside what the data has shown for the outcome to change; in December the year is known "
        "and the chance is 100 % or 0 %. The status (on track, at risk, off track) still follows the point "
        "projection alone; the chance says how sure that projection is.",
        "",
        "## Method",
        "",
        "Each simulated year is the demo generator's two years of data (2020, the baseline year, and 2021, the plan "
        "year) under conditions drawn from the year's seed (`qjgov/demo/conditions.py`; `python -m qjgov.demo.conditions "
        "--seed N --out DIR` writes one such year): every rate and catalogue share that drives a goal improves, stalls or worsens from a "
        "month of 2021 on, by an amount that sometimes crosses the goal's target and sometimes does not; in half the "
        "years one bad month turns every case rate the wrong way; in half the years a batch of items is added to the "
        "catalogue (lowering its shares) or reworked (raising them). The volume is drawn between the bounds above, so "
        "some departments have few cases. Each year is built into a warehouse of its own, and the chance "
        "(`p_meet`) stated at every month-end from March to November is compared with the status on 31 December "
        "(achieved or missed); goals without a chance (no data, no target) are left out.",
        "",
        "- **Brier score**: the mean of (chance − outcome)², outcome 1 if met, 0 if not; 0 is perfect, a constant "
        "50 % scores 0.25.",
        "- **Skill** against a reference: 1 − Brier / Brier of the reference (1 perfect, 0 no better, below 0 "
        "worse). Two references: the **base rate**, each goal's share met at year-end over all simulated years "
        "(per goal and department for department rows), which knows how often the goal is met but nothing of the "
        "year (it is taken from the same years, so it has hindsight the chance lacks); and the **status** read as "
        "a probability: on track 1, at risk 0.5, off track 0.",
        "- **Reliability**: the chances in tenths (0–10 %, …, 90–100 %); per tenth the mean chance stated and the "
        "share that came true.",
        "- Families are the `family` column of `seeds/targets.csv`: catalogue shares (trend projections), duties "
        "done on time and case shares (run-rate projections), and handling time (G04).",
        "",
        "## Goals",
        "",
        f"- Every tenth holding at least {score.BIN_MIN} predictions (commission, March–November) has a share come "
        f"true within {score.BIN_TOLERANCE * 100:.0f} points of its mean stated chance: {yes[held['reliability']]}.",
        f"- Skill against the status at least {score.SKILL_GOAL} at every month-end from June on (commission, all "
        f"goals pooled): {yes[held['skill']]}"
        + (f" (lowest: {num(worst['skill_status'], 2)} in {MONTH_NAMES[worst['from_month']]})." if worst else "."),
        "",
        "## Commission, June to November, per family",
        "",
        by_family("commission"),
        "",
        "## Commission, per month-end (all goals)",
        "",
        markdown_table(["month-end", *SCORE_HEADERS], score_rows(monthly_all, "month")),
        "",
        "Skill against the status per family and month-end:",
        "",
        markdown_table(["family", *[MONTH_NAMES[m] for m in matrix_months]], matrix),
        "",
        "## Reliability (commission, March to November)",
        "",
        f"![Reliability diagram]({png})",
        "",
        markdown_table(BIN_HEADERS, bin_rows(bins["commission"])),
        "",
        "## Commission, June to November, per goal",
        "",
        markdown_table(["goal", *SCORE_HEADERS], score_rows(pick("commission", None, None, june).sort("goal_id"), "goal_id")),
        "",
        "## Departments",
        "",
        "The same chance per department (each department's part of a goal against its own year-end outcome).",
        "",
        by_family("department"),
        "",
        markdown_table(BIN_HEADERS, bin_rows(bins["department"])),
        "",
        "## Files",
        "",
        "`docs/calibration/calibration.csv`: one row per scope (commission, department), family and goal (`all` "
        "where pooled) and months (`from_month` = `to_month` for one month-end; 3–11 and 6–11 pooled): predictions, "
        "share met, mean chance, the three Brier scores and both skills.",
        "",
        "## Years simulated",
        "",
        "<details><summary>The conditions of each year</summary>",
        "",
        *[f"- {line}" for line in run.conditions],
        "",
        "</details>",
        "",
    ]
    return "\n".join(parts)


def publish(judged: pl.DataFrame, run: Run, doc: Path, folder: Path) -> dict[str, bool]:
    """Write the document, the CSV and the diagram; the two goals, met or not."""
    judged = prepared(judged)
    rows = table(judged)
    bins = {scope: score.reliability(judged.filter(pl.col("scope") == scope)) for scope in SCOPES}
    by_family = score.reliability(judged.filter(pl.col("scope") == "commission"), ["family"])
    held = goals_held(rows, bins["commission"])
    folder.mkdir(parents=True, exist_ok=True)
    rows.write_csv(folder / "calibration.csv", float_precision=4)
    png = folder / "reliability.png"
    write_png(diagram(by_family, bins["commission"]), png)
    doc.parent.mkdir(parents=True, exist_ok=True)
    relative = png.relative_to(doc.parent) if png.is_relative_to(doc.parent) else png
    doc.write_text(document(rows, bins, held, run, relative.as_posix()), encoding="utf-8")
    return held
