"""Method: the plan sentence by sentence with its goal, every formula, how each goal's chance
of meeting is found and how well the chances have come true, the working-day rules and the
choices the project made where the sources give no formula."""

import polars as pl
import streamlit as st

from qjgov.app import chance_method, formatting, navigation, reads
from qjgov.app.navigation import page_state
from qjgov.app.state import url_params
from qjgov.present import numbers, words

state = page_state()
lang = state.lang
formatting.page_header(state, state.t("method.title"), state.t("method.lead"))

targets = reads.targets()
areas = reads.areas()
area_name = "area_zh" if lang == "zh" else "area_en"

st.header(state.t("method.plan"), anchor="plan")
st.caption(state.t("method.plan_lead"))
for area in areas.iter_rows(named=True):
    goals = targets.filter(pl.col("area") == area["area"])
    if not goals.height and area["area"] != "safeguards":
        continue
    st.markdown(f"#### {area[area_name]}")
    for goal in goals.iter_rows(named=True):
        link, sentence = st.columns([2, 5], vertical_alignment="center")
        link.page_link(
            navigation.area_file(goal["area"]),
            label=f"{goal['goal_id']} {words.goal_name(lang, goal)}",
            query_params=url_params(state, goal=goal["goal_id"]),
        )
        sentence.markdown(words.plan_sentence(lang, goal))
    if area["area"] == "safeguards":
        milestones = reads.milestones(state.as_of)
        lines = [
            f"- **{row['milestone_id']}** ({words.plan_clause(lang, row['plan_clause'])}) "
            f"{row['name_zh'] if lang == 'zh' else row['name_en']}"
            for row in milestones.iter_rows(named=True)
        ]
        st.markdown("\n".join(lines))
        st.page_link(navigation.area_file("safeguards"), label=state.t("area.milestones_tab"), query_params=url_params(state, goal="milestones"))

st.header(state.t("method.building_blocks"), anchor="building-blocks")
for key in ("as_of", "workdays", "catalogue", "ytd", "duty", "baseline"):
    st.markdown(state.t(f"method.bb.{key}"))

st.header(state.t("method.formulas"), anchor="formulas")
st.markdown(state.t("method.formulas_lead"))
# The status rule per goal: how it projects and how far the projection may fall short and still
# be at risk; the id and the two short columns do not wrap.
formula_table = formatting.html_table(
    [state.t(key) for key in ("col.goal_id", "col.goal", "goal.formula", "method.kind", "method.tolerance")],
    [
        [goal["goal_id"], words.goal_name(lang, goal), words.formula(lang, goal), state.t("kind." + goal["kind"]),
         numbers.fmt_amount(lang, goal["tolerance"], goal["unit"])]
        for goal in targets.iter_rows(named=True)
    ],
    nowrap=frozenset({0, 3, 4}),
)
st.markdown(formula_table, unsafe_allow_html=True)

st.header(state.t("method.projection"), anchor="projection")
for key in ("trend", "run_rate", "to_go", "status"):
    st.markdown(state.t(f"method.proj.{key}"))

chance_method.chance_section(state, targets)

st.header(state.t("method.rules"), anchor="rules")
st.markdown(state.t("method.rules_lead"))
rules = reads.rules()
rule_lines = [
    f"| {state.t('method.rule.' + r['rule']) if words.has('method.rule.' + r['rule']) else r['rule']} | {r['working_days']} | "
    f"{state.t('method.rule_source.' + r['rule']) if words.has('method.rule_source.' + r['rule']) else state.t('data.test.other')} |"
    for r in rules.iter_rows(named=True)
]
st.markdown(
    "\n".join(
        [
            f"| {state.t('method.rule.col.rule')} | {state.t('method.rule.col.days')} | {state.t('method.rule.col.source')} |",
            "|---|---|---|",
            *rule_lines,
        ]
    )
)

st.header(state.t("method.choices"), anchor="choices")
goal_choices = dict.fromkeys(c for c in (words.seed_text(lang, g, "choice") for g in targets.iter_rows(named=True)) if c)
general = [state.t(f"method.choice.{key}") for key in ("department", "not_month_end", "baseline_no_data")]
st.markdown("\n".join(f"- {text}" for text in [*goal_choices, *general]))

st.header(state.t("method.status_legend"), anchor="statuses")
st.caption(state.t("method.status_legend_lead"))
formatting.status_legend(state)

with st.expander(state.t("method.technical")):
    st.markdown(state.t("method.technical_body"))
