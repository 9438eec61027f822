"""The Altair charts the app and the monthly report draw: a goal's monthly path, its
departments, the milestone timeline.

Charts draw values the marts computed; nothing here derives a metric. Colours are Okabe–Ito
and every series also differs by line dash or mark shape, so none is told apart by colour
alone. Axis dates are written numerically (2021-06) so the month never shows in English on a
Chinese screen.

The app draws them as cached Vega-Lite specs (`qjgov.app.charts`); the report as SVG.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl

from qjgov.present.numbers import SAME, is_missing
from qjgov.present.statuses import STATUS_STYLE, STATUSES, status_word
from qjgov.present.words import t

ACTUAL_COLOUR = "#0072B2"
TARGET_COLOUR = "#000000"
PROJECTION_COLOUR = "#E69F00"
HEIGHT = 260


def _value_axis(unit: str) -> alt.Axis:
    return alt.Axis(title=None, format=".1~%" if unit == "ratio" else ".2f", grid=True)


def goal_path(
    path: pl.DataFrame,
    lang: str,
    unit: str,
    target: float | None,
    projected: float | None,
    deadline: dt.date | None,
    low: float | None = None,
    high: float | None = None,
) -> alt.LayerChart | alt.Chart:
    """Monthly actual against the target line, with a dashed line to the year-end projection
    and, shaded around it, the 80 % interval of the year-end value (`low`..`high`): how sure
    the projection is, widening from today's known actual to the interval at the deadline.

    `path` holds the goal's rows (as_of, actual) up to the chosen date.
    """
    actual_label = t(lang, "chart.actual")
    target_label = t(lang, "chart.target")
    projection_label = t(lang, "chart.projection")
    points = path.select("as_of", "actual").drop_nulls("actual")
    rows: list[dict] = [
        {"date": row["as_of"], "value": row["actual"], "series": actual_label} for row in points.iter_rows(named=True)
    ]
    if points.height and target is not None:
        year = points["as_of"][0].year
        rows += [
            {"date": dt.date(year, 1, 1), "value": target, "series": target_label},
            {"date": dt.date(year, 12, 31), "value": target, "series": target_label},
        ]
    last = points.row(-1, named=True) if points.height else None
    if last and projected is not None and deadline is not None and last["as_of"] < deadline:
        rows += [
            {"date": last["as_of"], "value": last["actual"], "series": projection_label},
            {"date": deadline, "value": projected, "series": projection_label},
        ]
    data = pl.DataFrame(rows, schema={"date": pl.Date, "value": pl.Float64, "series": pl.String}, orient="row")
    domain = [actual_label, target_label, projection_label]
    value_format = ".1%" if unit == "ratio" else ".2f"
    base = alt.Chart(data).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0, tickCount="month")),
        y=alt.Y("value:Q", axis=_value_axis(unit), scale=alt.Scale(zero=False, nice=True)),
        color=alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=domain, range=[ACTUAL_COLOUR, TARGET_COLOUR, PROJECTION_COLOUR]),
            legend=alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=3, symbolSize=400),
        ),
        strokeDash=alt.StrokeDash(
            "series:N", title=None, scale=alt.Scale(domain=domain, range=[[1, 0], [6, 4], [2, 3]])
        ),
        tooltip=[
            alt.Tooltip("series:N", title=t(lang, "chart.series")),
            alt.Tooltip("date:T", title=t(lang, "chart.date"), format="%Y-%m-%d"),
            alt.Tooltip("value:Q", title=t(lang, "chart.value"), format=value_format),
        ],
    )
    lines = base.mark_line(strokeWidth=2.5)
    dots = base.transform_filter(alt.datum.series != target_label).mark_point(filled=True, size=55)
    band = _interval_band(lang, unit, last, low, high, deadline)
    chart = lines + dots if band is None else band + lines + dots
    return chart.properties(height=HEIGHT)


BAND_OPACITY = 0.22


def _interval_band(
    lang: str, unit: str, last: dict | None, low: float | None, high: float | None, deadline: dt.date | None,
) -> alt.Chart | None:
    """The shaded 80 % interval from the last value to the deadline, with its own legend entry
    and a tooltip giving both ends; None when there is nothing left to be unsure of: no
    interval, the deadline reached, or both ends the same (December: both are the actual)."""
    if last is None or deadline is None or last["as_of"] >= deadline or is_missing(low) or is_missing(high):
        return None
    if abs(high - low) <= SAME:
        return None
    label = t(lang, "chart.interval")
    data = pl.DataFrame(
        {
            "date": [last["as_of"], deadline],
            "low": [last["actual"], low],
            "high": [last["actual"], high],
            "band": [label, label],
        },
        schema={"date": pl.Date, "low": pl.Float64, "high": pl.Float64, "band": pl.String},
    )
    value_format = ".1%" if unit == "ratio" else ".2f"
    return alt.Chart(data).mark_area(opacity=BAND_OPACITY).encode(
        x=alt.X("date:T", title=None),
        y=alt.Y("low:Q", title=None),
        y2="high:Q",
        fill=alt.Fill(
            "band:N",
            title=None,
            scale=alt.Scale(domain=[label], range=[PROJECTION_COLOUR]),
            legend=alt.Legend(orient="bottom", symbolType="square", symbolOpacity=BAND_OPACITY * 2, symbolSize=200),
        ),
        tooltip=[
            alt.Tooltip("band:N", title=t(lang, "chart.series")),
            alt.Tooltip("date:T", title=t(lang, "chart.date"), format="%Y-%m-%d"),
            alt.Tooltip("low:Q", title=t(lang, "chart.interval_low"), format=value_format),
            alt.Tooltip("high:Q", title=t(lang, "chart.interval_high"), format=value_format),
        ],
    )


def department_bars(frame: pl.DataFrame, lang: str, unit: str, target: float | None) -> alt.LayerChart | alt.Chart:
    """Each department's value as a bar coloured by status (legend in words), the target as a rule.

    `frame` holds department_label, actual and status; rows without a value are left out.
    """
    data = frame.select("department_label", "actual", "status").drop_nulls("actual")
    data = data.with_columns(pl.col("status").map_elements(lambda s: status_word(lang, s), return_dtype=pl.String).alias("status_label"))
    present = [s for s in STATUSES if s in set(data["status"].to_list())]
    domain = [status_word(lang, s) for s in present]
    colours = [STATUS_STYLE[s]["fill"] for s in present]
    value_format = ".1%" if unit == "ratio" else ".2f"
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("department_label:N", title=None, sort=alt.EncodingSortField("actual", order="ascending")),
            x=alt.X("actual:Q", axis=_value_axis(unit)),
            color=alt.Color(
                "status_label:N",
                title=t(lang, "chart.status"),
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=200),
            ),
            tooltip=[
                alt.Tooltip("department_label:N", title=t(lang, "chart.department")),
                alt.Tooltip("actual:Q", title=t(lang, "chart.actual"), format=value_format),
                alt.Tooltip("status_label:N", title=t(lang, "chart.status")),
            ],
        )
    )
    chart = bars
    if target is not None:
        rule = alt.Chart(pl.DataFrame({"target": [target]})).mark_rule(strokeDash=[6, 4], color=TARGET_COLOUR, strokeWidth=2).encode(
            x="target:Q"
        )
        chart = bars + rule
    return chart.properties(height=alt.Step(26))


def milestone_timeline(frame: pl.DataFrame, lang: str, as_of: dt.date) -> alt.LayerChart:
    """Due date (tick) and done date (filled mark, shape and colour by status) per milestone,
    with the chosen date as a vertical rule."""
    data = frame.with_columns(
        pl.col("status").map_elements(lambda s: f"{STATUS_STYLE[s]['icon']} {t(lang, 'ms.' + s)}", return_dtype=pl.String).alias("status_label")
    )
    statuses = [s for s in ("done", "overdue", "open") if s in set(data["status"].to_list())]
    domain = [f"{STATUS_STYLE[s]['icon']} {t(lang, 'ms.' + s)}" for s in statuses]
    colours = [STATUS_STYLE[s]["fill"] for s in statuses]
    shapes = [{"done": "circle", "overdue": "triangle-up", "open": "square"}[s] for s in statuses]
    y = alt.Y("label:N", title=None, sort=data["label"].to_list(), axis=alt.Axis(labelLimit=320))
    tooltip = [
        alt.Tooltip("label:N", title=t(lang, "chart.milestone")),
        alt.Tooltip("due_date:T", title=t(lang, "chart.due"), format="%Y-%m-%d"),
        alt.Tooltip("done_date:T", title=t(lang, "chart.done"), format="%Y-%m-%d"),
        alt.Tooltip("status_label:N", title=t(lang, "chart.status")),
    ]
    x_axis = alt.Axis(format="%Y-%m", labelAngle=0, title=None)
    due = alt.Chart(data).mark_tick(color=TARGET_COLOUR, thickness=2, size=18).encode(
        x=alt.X("due_date:T", axis=x_axis), y=y, tooltip=tooltip
    )
    link = alt.Chart(data).transform_filter("datum.done_date != null").mark_rule(color="#999999").encode(
        x="due_date:T", x2="done_date:T", y=y
    )
    done = alt.Chart(data).transform_filter("datum.done_date != null").mark_point(filled=True, size=110).encode(
        x="done_date:T",
        y=y,
        color=alt.Color("status_label:N", title=t(lang, "chart.status"), scale=alt.Scale(domain=domain, range=colours), legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("status_label:N", scale=alt.Scale(domain=domain, range=shapes), legend=None),
        tooltip=tooltip,
    )
    open_ = alt.Chart(data).transform_filter("datum.done_date == null").mark_point(filled=True, size=110).encode(
        x="due_date:T",
        y=y,
        color=alt.Color("status_label:N", scale=alt.Scale(domain=domain, range=colours)),
        shape=alt.Shape("status_label:N", scale=alt.Scale(domain=domain, range=shapes), legend=None),
        tooltip=tooltip,
    )
    today = alt.Chart(pl.DataFrame({"as_of": [as_of]})).mark_rule(color=PROJECTION_COLOUR, strokeDash=[4, 3], strokeWidth=2).encode(
        x="as_of:T", tooltip=[alt.Tooltip("as_of:T", title=t(lang, "chart.as_of"), format="%Y-%m-%d")]
    )
    return (link + due + done + open_ + today).properties(height=28 * data.height + 40)
