"""The goal-tracking app: where the commission stands against every 2021 goal.

For now a single page listing marts.goal_progress at the chosen month-end; the full
multipage app is its own piece of work.
"""

from __future__ import annotations

import streamlit as st

from qjgov import db
from qjgov.demo import ensure_demo_warehouse
from qjgov.paths import WAREHOUSE

st.set_page_config(page_title="黔江区卫生健康委 政务服务目标", layout="wide")


@st.cache_resource
def connection():
    if not WAREHOUSE.exists():
        with st.status("首次启动：正在生成演示数据并构建数据仓库…", expanded=True) as status:
            ensure_demo_warehouse(WAREHOUSE, log=st.write)
            status.update(label="数据仓库已就绪", state="complete")
    return db.connect(WAREHOUSE)


@st.cache_data
def query(sql: str, params: tuple = ()) -> "object":
    return db.query(connection(), sql, list(params) if params else None)


st.title("2021年政务服务工作目标进度")
dates = query("select distinct as_of from marts.goal_progress order by as_of")["as_of"].to_list()
as_of = st.selectbox("截至日期", dates, index=len(dates) - 1)
progress = query(
    "select goal_id, goal_name_zh, actual, target, comparator, projected, to_go, status "
    "from marts.goal_progress where as_of = ? order by goal_id",
    (as_of,),
)
st.dataframe(progress, hide_index=True, use_container_width=True)
