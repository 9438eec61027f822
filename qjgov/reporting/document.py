"""The report as one HTML document with print CSS (A4, page numbers, tables that split
cleanly, a goal never split across pages), set into a PDF by `render.py`.

Words, numbers, status colours and icons, "what it would take", owners and the chart all come
from `qjgov.present`, as the app's do: the report and the app say the same thing in the same
way, and the report never loads Streamlit.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import polars as pl

from qjgov.present import charts, words
from qjgov.present.numbers import figures, fmt_change, fmt_chance, fmt_count, fmt_target, fmt_tolerance, fmt_value, is_missing, to_go_text
from qjgov.present.owners import department_name, owner_line, owner_name
from qjgov.present.statuses import STATUS_STYLE, STATUSES, fmt_status_change, pill
from qjgov.present.takes import what_it_takes
from qjgov.present.words import goal_name
from qjgov.reporting import chances
from qjgov.reporting.data import BEHIND, ReportData

FONTS = '"Noto Sans CJK SC", "Noto Sans CJK", "Noto Sans SC", "DejaVu Sans", sans-serif'
CHART_FONT = "Noto Sans CJK SC"

Chart = Callable[[dict], str]  # a Vega-Lite spec -> SVG text


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def badge(lang: str, status: str | None) -> str:
    """A status as colour, icon and word: never colour alone (shaped by the `.badge` rule)."""
    return pill(lang, status, "badge")


def met_today(lang: str, met: object) -> str:
    value = "—" if met is None else words.t(lang, "commentary.yes" if met else "commentary.no")
    return f'<span class="met">{esc(words.t(lang, "commentary.met_line", value=value))}</span>'


def status_pair(lang: str, computed: str | None, met: object, asserted: str | None = None) -> str:
    """The computed status and "met today", and beside them (never instead) a status the
    office asserts."""
    text = f'{badge(lang, computed)} {met_today(lang, met)}'
    if asserted:
        text += (
            f' <span class="asserted">{esc(words.t(lang, "commentary.asserted"))}{_colon(lang)}{badge(lang, asserted)}</span>'
        )
    return text


def _css(lang: str) -> str:
    template = words.t(lang, "report.page", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for piece in re.split(r"(\x00page\x00|\x00pages\x00)", template):
        if piece == "\x00page\x00":
            parts.append("counter(page)")
        elif piece == "\x00pages\x00":
            parts.append("counter(pages)")
        elif piece:
            parts.append('"' + piece.replace('"', '\\"') + '"')
    page_content = " ".join(parts)
    return f"""
@page {{ size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-center {{ content: {page_content}; font-family: {FONTS}; font-size: 8pt; color: #555; }}
  @top-right {{ content: string(running, start); font-family: {FONTS}; font-size: 8pt; color: #555; }} }}
@page :first {{ @bottom-center {{ content: none; }} @top-right {{ content: none; }} }}
html {{ font-family: {FONTS}; font-size: 9.5pt; line-height: 1.45; color: #1a1a1a; }}
h1 {{ font-size: 22pt; margin: 0 0 4mm; }}
h2 {{ font-size: 14pt; margin: 6mm 0 2mm; border-bottom: 1.5pt solid #0072B2; padding-bottom: 1mm; string-set: running content(); }}
h3 {{ font-size: 11pt; margin: 0 0 1.5mm; }}
h4 {{ font-size: 9.5pt; margin: 2mm 0 1mm; }}
p, ul {{ margin: 1mm 0; }}
ul {{ padding-left: 5mm; }}
.cover {{ page: cover; padding-top: 55mm; break-after: page; }}
.cover .org {{ font-size: 13pt; color: #333; }}
.cover .title {{ font-size: 26pt; font-weight: 700; margin: 4mm 0 10mm; }}
.cover .department {{ font-size: 18pt; font-weight: 600; margin: -6mm 0 8mm; }}
.cover table {{ font-size: 11pt; width: auto; }}
.cover td {{ border: none; padding: 1mm 6mm 1mm 0; }}
.summary {{ break-after: page; }}
.summary table {{ font-size: 8.5pt; }}
.summary td, .summary th {{ padding: 0.6mm 1.5mm; }}
.summary td:nth-child(2) {{ white-space: nowrap; }}
h2, h3, h4 {{ break-after: avoid; }}
table {{ border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
th, td {{ border-bottom: 0.5pt solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }}
th {{ background: #EEF2F6; font-weight: 600; }}
td.num, th.num {{ text-align: right; white-space: nowrap; }}
.badge {{ display: inline-block; padding: 0.2mm 2mm; border-radius: 3mm; font-weight: 600; white-space: nowrap; font-size: 8.5pt; }}
.met {{ font-size: 8.5pt; color: #333; white-space: nowrap; margin-left: 1mm; }}
.asserted {{ font-size: 8.5pt; margin-left: 2mm; white-space: nowrap; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: 2mm; margin: 2mm 0 4mm; }}
.tile {{ border-left: 2mm solid #999; background: #F4F6F9; padding: 1.5mm 2mm; flex: 1 1 0; min-width: 0; }}
.tile .n {{ font-size: 16pt; font-weight: 700; line-height: 1.1; }}
.goal {{ break-inside: avoid; border: 0.5pt solid #ccc; border-radius: 1.5mm; padding: 3mm; margin: 0 0 3.5mm; }}
.goal .head {{ display: flex; justify-content: space-between; gap: 3mm; }}
.goal .owners {{ color: #444; font-size: 8.5pt; margin: 0.5mm 0 1.5mm; }}
.goal .body {{ display: flex; gap: 4mm; }}
.goal .figures {{ flex: 1 1 55%; }}
.goal .chart {{ flex: 0 0 78mm; }}
.goal .chart img {{ width: 78mm; }}
.goal .figures table td {{ border-bottom: 0.3pt solid #ddd; padding: 0.6mm 1mm; }}
.note {{ background: #FAFAF5; border-left: 1mm solid #E69F00; padding: 1.5mm 2.5mm; margin-top: 2mm; }}
.note dt {{ font-weight: 600; }}
.note dd {{ margin: 0 0 1mm 0; }}
.muted {{ color: #666; font-size: 8.5pt; }}
"""


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """A table whose header repeats on every page it runs to; cells are HTML already."""
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _department(lang: str, zh: str | None, en: str | None) -> str:
    return esc(department_name(lang, zh, en))


def chart_spec(data: ReportData, row: dict, lang: str) -> dict | None:
    """The goal tab's chart (monthly actual, target line, projection) as a small Vega-Lite
    spec for print; None when the goal has no values."""
    path = data.series.filter(pl.col("goal_id") == row["goal_id"]).sort("as_of")
    if not path.height or path["actual"].is_null().all():
        return None
    chart = charts.goal_path(path, lang, row["unit"], row["target"], row["projected"], row["deadline"], row["projected_low"], row["projected_high"])
    return (
        chart.properties(width=250, height=110)
        .configure(font=CHART_FONT)
        .configure_legend(labelFontSize=9, symbolSize=120)
        .configure_axis(labelFontSize=8)
        .to_dict(validate=False)  # the app draws the same chart validated; validating again costs seconds
    )


def _chart_html(lang: str, svg: str | None) -> str:
    if svg is None:
        return f'<p class="muted">{esc(words.t(lang, "status.help.no_data"))}</p>'
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img alt="{esc(words.t(lang, "report.chart"))}" src="data:image/svg+xml;base64,{encoded}">'


def _commentary(lang: str, row: dict, note: dict | None) -> str:
    if not note:
        return f'<p class="muted">{esc(words.t(lang, "commentary.none"))}</p>'
    parts = []
    for key in ("progress", "barriers", "next_steps"):
        if note.get(key):
            parts.append(f"<dt>{esc(words.t(lang, 'commentary.' + key))}</dt><dd>{esc(note[key])}</dd>")
    if note.get("asserted_status"):
        parts.append(
            f"<dt>{esc(words.t(lang, 'commentary.asserted'))}</dt><dd>{status_pair(lang, row['status'], row['met'], note['asserted_status'])}"
            f"<br>{esc(words.t(lang, 'commentary.justification'))}{_colon(lang)}{esc(note.get('justification'))}</dd>"
        )
    written = note["written_at"].strftime("%Y-%m-%d %H:%M") if note.get("written_at") else "—"
    if note.get("approved_by_department"):
        approved = words.t(lang, "commentary.approved_line", dept=department_name(lang, note["approved_by_department"], note.get("approved_by_department_en")), at=written)
        parts.append(f'<dd class="muted">{esc(approved)}</dd>')
    parts.append(f'<dd class="muted">{esc(words.t(lang, "commentary.written", at=written, n=note["versions"]))}</dd>')
    return f'<div class="note"><h4>{esc(words.t(lang, "commentary.title"))}</h4><dl>{"".join(parts)}</dl></div>'


def _goal_block(data: ReportData, row: dict, lang: str, svg: str | None) -> str:
    change = data.changes.filter(pl.col("goal_id") == row["goal_id"])
    change_row = change.row(0, named=True) if change.height else {}
    notes = data.commentary.filter(pl.col("goal_id") == row["goal_id"])
    note = notes.row(0, named=True) if notes.height else None
    shown = figures(lang, row)
    figures_shown = [
        (words.t(lang, "report.number"), shown.actual),
        (words.t(lang, "report.target"), shown.target),
        (words.t(lang, "report.gap"), shown.gap),
        (words.t(lang, "report.projected"), shown.projected),
        (words.t(lang, "report.interval"), shown.interval),
        (words.t(lang, "report.chance"), shown.chance),
        (words.t(lang, "report.to_go"), shown.to_go or "—"),
        (
            words.t(lang, "report.change"),
            " ".join(
                part for part in (
                    fmt_change(lang, change_row.get("actual_change"), row["unit"]),
                    fmt_status_change(lang, change_row.get("previous_status"), change_row.get("status")),
                ) if part
            ),
        ),
    ]
    table = "".join(f"<tr><td>{esc(name)}</td><td>{esc(value)}</td></tr>" for name, value in figures_shown)
    takes = what_it_takes(lang, data.as_of, row, row, shown)  # the report's goal rows hold the goal's sentences too
    take_html = "".join(f"<li>{esc(_plain(sentence))}</li>" for sentence in takes)
    asserted = note.get("asserted_status") if note else None
    return (
        f'<section class="goal" id="{esc(row["goal_id"])}">'
        f'<div class="head"><h3>{esc(row["goal_id"])} · {esc(goal_name(lang, row))}</h3>'
        f"<div>{status_pair(lang, row['status'], row['met'], asserted)}</div></div>"
        f'<div class="owners">{esc(owner_line(lang, row))}</div>'
        f'<div class="body"><div class="figures"><table>{table}</table>'
        f"<h4>{esc(words.t(lang, 'report.what_it_takes'))}</h4><ul>{take_html}</ul></div>"
        f'<div class="chart">{_chart_html(lang, svg)}</div></div>'
        f"{_commentary(lang, row, note)}</section>"
    )


def _plain(text: str) -> str:
    """Markdown emphasis the app's sentences may carry, for print."""
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text)


def _cover(data: ReportData, lang: str, generated: dt.datetime) -> str:
    first, last = data.data_span
    span = words.t(lang, "data.span_value", first=str(first), last=str(last))
    built = data.built_at.strftime("%Y-%m-%d %H:%M") if data.built_at else "—"
    rows = [
        (words.t(lang, "report.as_of"), data.as_of.isoformat()),
        (words.t(lang, "report.data_span"), span),
        (words.t(lang, "report.built_at"), built),
        (words.t(lang, "report.generated_at"), generated.strftime("%Y-%m-%d %H:%M")),
    ]
    table = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td></tr>" for a, b in rows)
    department = "" if data.department is None else f'<div class="department">{esc(_department_of(data, lang))}</div>'
    return (
        f'<section class="cover"><div class="org">{esc(words.t(lang, "app.title"))}</div>'
        f'<div class="title">{esc(words.t(lang, "report.title"))}</div>{department}'
        f'<p>{esc(words.t(lang, "report.subtitle"))}</p><table>{table}</table></section>'
    )


def _department_of(data: ReportData, lang: str) -> str:
    """The name of the department whose report this is, in `lang` (plain text)."""
    return department_name(lang, data.department.name, data.department.name_en)


def _scope(data: ReportData, lang: str) -> str:
    """For a department's report, which goals it speaks of: the department's own."""
    if data.department is None:
        return ""
    owned = ", ".join(data.goals.sort("goal_id")["goal_id"].to_list())
    key = "report.department_scope" if owned else "report.department_scope_none"
    return f"<p>{esc(words.t(lang, key, department=_department_of(data, lang), goals=owned))}</p>"


def _summary(data: ReportData, lang: str) -> str:
    title = f'<section class="summary"><h2>{esc(words.t(lang, "report.summary"))}</h2>{_scope(data, lang)}'
    if not data.goals.height:  # a department that owns no goal: its report is what it holds back
        return title + "</section>"
    counts = {s: 0 for s in STATUSES}
    for status in data.goals["status"].to_list():
        counts[status or "no_data"] += 1
    tiles = "".join(
        f'<div class="tile" style="border-left-color:{STATUS_STYLE[s]["fill"]}"><div class="n">{counts[s]}</div>{badge(lang, s)}</div>'
        for s in STATUSES
    )
    names = {row["goal_id"]: goal_name(lang, row) for row in data.goals.iter_rows(named=True)}
    previous = data.previous_as_of
    if previous is None:
        change_html = f"<p>{esc(words.t(lang, 'changes.first'))}</p>"
    else:
        changed = data.changes.filter(pl.col("status_changed") & pl.col("goal_id").is_in(data.goals["goal_id"].to_list()))
        lead = f"<p class='muted'>{esc(words.t(lang, 'changes.since', previous=previous.isoformat()))}</p>"
        if changed.height:
            rows = [
                [
                    esc(f"{r['goal_id']} {names.get(r['goal_id'], '')}"),
                    f"{badge(lang, r['previous_status'])} → {badge(lang, r['status'])}",
                    esc(fmt_change(lang, r["actual_change"], r["unit"])),
                ]
                for r in changed.iter_rows(named=True)
            ]
            change_html = lead + f"<p>{esc(words.t(lang, 'changes.changed', n=changed.height))}</p>" + _table(
                [words.t(lang, "col.goal"), words.t(lang, "changes.col_status_change"), words.t(lang, "changes.col_change")], rows
            )
        else:
            change_html = lead + f"<p>{esc(words.t(lang, 'changes.none'))}</p>"
    behind = data.goals.filter(pl.col("status").is_in(BEHIND)).sort("goal_id")
    if behind.height:
        rows = [
            [
                esc(f"{r['goal_id']} {goal_name(lang, r)}"),
                status_pair(lang, r["status"], r["met"]),
                _department(lang, r["owner_department"], r["owner_department_en"]),
                _department(lang, r["lead_office"], r["lead_office_en"]),
            ]
            for r in behind.iter_rows(named=True)
        ]
        behind_html = _table(
            [words.t(lang, "col.goal"), words.t(lang, "col.status"), words.t(lang, "owners.owner"), words.t(lang, "owners.lead")], rows
        )
    else:
        behind_html = f"<p>{esc(words.t(lang, 'report.off_track_none'))}</p>"
    return (
        f'{title}<h4>{esc(words.t(lang, "report.counts"))}</h4><div class="tiles">{tiles}</div>'
        f'<h4>{esc(words.t(lang, "report.chances"))}</h4>{_chances(data, lang)}'
        f'<h4>{esc(words.t(lang, "report.changes"))}</h4>{change_html}'
        f'<h4>{esc(words.t(lang, "report.off_track"))}</h4>{behind_html}</section>'
    )


def _chances(data: ReportData, lang: str) -> str:
    """How many goals are likely, uncertain or unlikely to be met, the goals whose chance fell
    most since the previous month-end, and how to read a chance; in December, when the chance
    is known, how many goals were achieved and missed."""
    rows = list(data.goals.sort("goal_id").iter_rows(named=True))
    groups = chances.grouped(rows)
    if chances.decided(rows):
        text = words.t(lang, "report.chances_decided", achieved=len(groups["likely"]), missed=len(groups["unlikely"]))
        return f"<p>{esc(text)}</p>"
    table = _table(
        [words.t(lang, "report.col_chance_group"), words.t(lang, "report.col_goals"), words.t(lang, "report.col_which")],
        [
            [
                esc(words.t(lang, f"report.chance_group.{name}", likely=chances.LIKELY, unlikely=chances.UNLIKELY)),
                esc(len(groups[name])),
                esc(", ".join(row["goal_id"] for row in groups[name]) or "—"),
            ]
            for name in chances.GROUPS
            if groups[name] or name != "none"
        ],
        numeric={1},
    )
    read = ("" if lang == "zh" else " ").join(
        (words.t(lang, "report.chances_read", as_of=data.as_of.isoformat()), words.t(lang, "report.chances_range"))
    )
    return f"{table}{_fallen(data, rows, lang)}<p class='muted'>{esc(read)}</p>"


def _fallen(data: ReportData, rows: list[dict], lang: str) -> str:
    """The goals whose chance fell most since the previous month-end, with both chances as
    printed; nothing in the plan year's first month."""
    previous = data.previous_as_of
    if previous is None:
        return ""
    fallen = chances.fell_most(rows)
    items = ("；" if lang == "zh" else "; ").join(
        words.t(
            lang, "report.chances_fell_item", goal=f"{row['goal_id']} {goal_name(lang, row)}",
            before=fmt_chance(row["previous_p_meet"], row["previous_month_no"]),
            after=fmt_chance(row["p_meet"], row["month_no"]),
        )
        for row in fallen
    )
    key = "report.chances_fell" if fallen else "report.chances_fell_none"
    return f"<p>{esc(words.t(lang, key, previous=previous.isoformat(), points=chances.FALL, goals=items))}</p>"


def _charts(data: ReportData, lang: str, draw: Chart, progress: Callable[[str], None]) -> dict[str, str | None]:
    """Every goal's chart as SVG, drawn four at a time (vl-convert draws outside the GIL)."""
    specs = {row["goal_id"]: chart_spec(data, row, lang) for row in data.goals.iter_rows(named=True)}

    def one(goal_id: str) -> str | None:
        svg = None if specs[goal_id] is None else draw(specs[goal_id])
        progress(goal_id)
        return svg

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(specs, pool.map(one, specs)))


def _areas(data: ReportData, lang: str, svgs: dict[str, str | None]) -> str:
    out = []
    name = "area_zh" if lang == "zh" else "area_en"
    for area in data.areas.iter_rows(named=True):
        goals = data.goals.filter(pl.col("area") == area["area"])
        if not goals.height:
            continue
        blocks = []
        for row in goals.iter_rows(named=True):
            blocks.append(_goal_block(data, row, lang, svgs.get(row["goal_id"])))
        out.append(f'<section class="area"><h2>{esc(area[name])}</h2>{"".join(blocks)}</section>')
    return "".join(out)


def _milestones(data: ReportData, lang: str) -> str:
    title = f"<h2>{esc(words.t(lang, 'report.milestones'))}</h2>"
    if not data.milestones.height:
        none = (words.t(lang, "report.milestones_none") if data.department is None
                else words.t(lang, "report.milestones_none_department", department=_department_of(data, lang)))
        return f'<section class="area">{title}<p>{esc(none)}</p></section>'
    rows = [
        [
            esc(r["milestone_id"]),
            esc(r["name_zh"] if lang == "zh" else r["name_en"]),
            esc(r["due_date"]),
            esc(r["days_overdue"]),
            _department(lang, r["owner_department"], r["owner_department_en"]),
            _department(lang, r["lead_office"], r["lead_office_en"]),
        ]
        for r in data.milestones.iter_rows(named=True)
    ]
    return f'<section class="area">{title}' + _table(
        [words.t(lang, "col.goal_id"), words.t(lang, "col.milestone"), words.t(lang, "col.due_date"),
         words.t(lang, "report.col_days_overdue"), words.t(lang, "owners.owner"), words.t(lang, "owners.lead")],
        rows, numeric={3},
    ) + "</section>"


def _holding_back(data: ReportData, lang: str) -> str:
    title = f'<section class="area"><h2>{esc(words.t(lang, "report.holding_back"))}</h2>'
    if not data.goals.filter(pl.col("status").is_in(BEHIND)).height:
        return title + f"<p>{esc(words.t(lang, 'report.holding_back_none'))}</p></section>"
    names = {row["goal_id"]: goal_name(lang, row) for row in data.goals.iter_rows(named=True)}
    rows = []
    for r in data.holding_back.iter_rows(named=True):
        rows.append(
            [
                esc(f"{r['goal_id']} {names[r['goal_id']]}"),
                _department(lang, r["department"], r["department_en"]),
                esc(fmt_value(r["actual"], r["unit"], r["target"])),
                esc("—" if is_missing(r["to_go"]) else f"{int(r['to_go']):,}"),
                badge(lang, r["status"]),
            ]
        )
    return title + f"<p class='muted'>{esc(words.t(lang, 'report.holding_back_lead'))}</p>" + _table(
        [words.t(lang, "col.goal"), words.t(lang, "report.col_department"), words.t(lang, "col.actual"),
         words.t(lang, "col.to_go"), words.t(lang, "col.status")],
        rows, numeric={2, 3},
    ) + "</section>"


def _department_section(data: ReportData, lang: str, key: str, rows: pl.DataFrame, body: Callable[[], str]) -> str:
    """A section of the department's own report titled `report.<key>` with its name: `body()`,
    or `report.<key>_none` when it has no rows."""
    department = _department_of(data, lang)
    title = f'<section class="area"><h2>{esc(words.t(lang, f"report.{key}", department=department))}</h2>'
    if not rows.height:
        return title + f"<p>{esc(words.t(lang, f'report.{key}_none', department=department))}</p></section>"
    return f"{title}{body()}</section>"


def _held_back(data: ReportData, lang: str) -> str:
    """Where the department holds goals back: its own figures on every goal it does not meet
    and could still (holds_back), whoever owns the goal, so it sees its share of the others'
    goals too."""
    rows = data.department.held_back

    def body() -> str:
        return f"<p class='muted'>{esc(words.t(lang, 'report.held_back_lead'))}</p>" + _table(
            [words.t(lang, "col.goal"), words.t(lang, "owners.owner"), words.t(lang, "col.actual"), words.t(lang, "col.target"),
             words.t(lang, "col.to_go"), words.t(lang, "col.status"), words.t(lang, "report.chance")],
            [
                [
                    esc(f"{r['goal_id']} {goal_name(lang, r)}"),
                    esc(owner_name(lang, r)),
                    esc(fmt_value(r["actual"], r["unit"], r["target"])),
                    esc(fmt_target(lang, r["target"], r["comparator"], r["unit"], r["target_kind"])),
                    esc(to_go_text(lang, r) or "—"),
                    badge(lang, r["status"]),
                    esc(fmt_chance(r["p_meet"], r["month_no"])),
                ]
                for r in rows.iter_rows(named=True)
            ],
            numeric={2, 3, 4, 6},
        )

    return _department_section(data, lang, "held_back", rows, body)


def _open_records(data: ReportData, lang: str) -> str:
    """The department's records not done at the date, per goal, and how many of them are
    overdue (marts.open_duties): the list it works through."""
    rows = data.department.open_records

    def body() -> str:
        lead = words.t(lang, "report.open_records_lead", open=f"{sum(rows['open']):,}", overdue=f"{sum(rows['overdue']):,}")
        return f"<p class='muted'>{esc(lead)}</p>" + _table(
            [words.t(lang, "col.goal"), words.t(lang, "report.col_open"), words.t(lang, "report.col_overdue")],
            [[esc(f"{r['goal_id']} {goal_name(lang, r)}"), esc(fmt_count(r["open"])), esc(fmt_count(r["overdue"]))]
             for r in rows.iter_rows(named=True)],
            numeric={1, 2},
        )

    return _department_section(data, lang, "open_records", rows, body)


def _quality(data: ReportData, lang: str) -> str:
    coverage = _table(
        [words.t(lang, "report.col_table"), words.t(lang, "report.col_rows"), words.t(lang, "report.col_first"), words.t(lang, "report.col_last")],
        [[esc(r["raw_table"]), f"{r['row_count']:,}", esc(r["first_date"]), esc(r["last_date"])] for r in data.coverage.iter_rows(named=True)],
        numeric={1},
    )
    if data.warnings.height:
        warnings = "<ul>" + "".join(
            f"<li>{esc(r['test'])}: {r['failing_rows']:,}</li>" for r in data.warnings.iter_rows(named=True)
        ) + "</ul>"
    else:
        warnings = f"<p>{esc(words.t(lang, 'report.warnings_none'))}</p>"
    legend = "".join(f"<li>{badge(lang, s)} {esc(words.t(lang, 'status.help.' + s))}</li>" for s in STATUSES)
    rules = _table(
        [words.t(lang, "col.goal"), words.t(lang, "report.kind"), words.t(lang, "report.tolerance")],
        [
            [
                esc(f"{r['goal_id']} {goal_name(lang, r)}"),
                esc(words.t(lang, "kind." + r["kind"]) if words.has("kind." + (r["kind"] or "")) else r["kind"]),
                esc(_tolerance(lang, r)),
            ]
            for r in data.goals.sort("goal_id").iter_rows(named=True)
        ],
        numeric={2},
    ) if data.goals.height else ""
    # A warehouse built from other models or seeds than this version's: its numbers may follow
    # other definitions (the app says the same above every page).
    models = "" if data.models == "same" else f'<p><strong>{esc(words.t(lang, f"warehouse.{data.models}_models"))}</strong></p>'
    return (
        f'<section class="area"><h2>{esc(words.t(lang, "report.quality"))}</h2>{models}'
        f'<h4>{esc(words.t(lang, "report.coverage"))}</h4>{coverage}'
        f'<h4>{esc(words.t(lang, "report.warnings"))}</h4>{warnings}'
        f'<h4>{esc(words.t(lang, "report.rules"))}</h4><p>{esc(words.t(lang, "report.rules_lead"))}</p><ul>{legend}</ul>{rules}</section>'
    )


def _tolerance(lang: str, row: dict) -> str:
    return fmt_tolerance(lang, row["tolerance"], row["unit"])


def document(data: ReportData, lang: str, draw: Chart, progress: Callable[[str], None] = lambda goal_id: None,
             generated: dt.datetime | None = None) -> str:
    """The whole report as HTML."""
    lang = words.language(lang)
    generated = generated or dt.datetime.now()
    department = [] if data.department is None else [_department_of(data, lang)]
    title = " · ".join([words.t(lang, "report.title"), *department, data.as_of.isoformat()])
    behind = _holding_back(data, lang) if data.department is None else _held_back(data, lang) + _open_records(data, lang)
    return (
        f'<!doctype html><html lang="{"zh-Hans" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_css(lang)}</style></head><body>"
        f"{_cover(data, lang, generated)}{_summary(data, lang)}"
        f"{_areas(data, lang, _charts(data, lang, draw, progress))}{_milestones(data, lang)}{behind}{_quality(data, lang)}"
        "</body></html>"
    )
