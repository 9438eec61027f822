"""The personal-data scan skips only staging-view columns proven to pass raw text on; whatever
a view makes of raw text (joined, cut, combined) is scanned as before."""

from __future__ import annotations

import re

import duckdb
import pytest

from qjgov.warehouse import lineage
from conftest import write_raw
from qjgov.warehouse.build import BuildError, build, discover_models, raw_text_views
from qjgov.paths import SEEDS_DIR
from test_build import copy_sql
from test_raw_checks import ROWS

RAW = {"cases": {"case_id", "status", "channel"}}


@pytest.mark.parametrize(
    "sql, proven",
    [
        ("select trim(case_id) as case_id, status, nullif(trim(channel), '') as c from raw.cases", {"case_id", "status", "c"}),
        ("with s as (select * from raw.cases), t as (select * from s) select *, 'ok' as k from t", {"case_id", "status", "channel", "k"}),
        ("select coalesce(trim(status), channel, '无') as s, cast(case_id as varchar) as v from raw.cases", {"s", "v"}),
        # What can make a number out of raw text, or hide where a value comes from, is not proven.
        ("select case_id || status as a, trim(case_id, '0') as b, concat(case_id, '') as c, "
         "lower(status) as d, suspended_days::varchar as e from raw.cases", set()),
        ("select '13800138000' as p, coalesce(status, '138 0013 8000') as q, nullif('13800138000', status) as r from raw.cases", set()),
        ("select trim(c.case_id) as a from raw.cases as c join raw.cases as d using (case_id)", set()),
        ("select case_id from raw.cases union all select status from raw.cases", set()),
        ("select trim(case_id) as case_id from (select case_id || '' as case_id from raw.cases)", set()),
        ("with s as (select case_id || '1' as status from raw.cases) select * from s", set()),
        ("select * exclude (status) from raw.cases", set()),
        ("select trim(case_id) as case_id from seeds.targets", set()),
        ("this is not sql", set()),
    ],
)
def test_only_raw_text_passed_through_is_proven(sql, proven):
    assert lineage.passed_through_columns(duckdb.connect(), sql, RAW) == proven


def test_the_large_staging_views_need_no_second_scan():
    covered = raw_text_views(duckdb.connect(), discover_models())
    assert {"case_id", "item_code", "status", "channel"} <= covered[("staging", "stg_cases")]
    assert {"review_id", "case_id", "comment"} <= covered[("staging", "stg_reviews")]
    assert ("staging", "stg_targets") not in covered  # seeds are not scanned as raw, so their views are


def test_a_staging_view_that_makes_a_number_out_of_raw_text_is_still_scanned(tmp_path):
    sql_dir = copy_sql(tmp_path)
    model = sql_dir / "staging" / "stg_cases.sql"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("nullif(trim(item_code), '') as item_code,", "nullif(trim(item_code), '') || trim(case_id) as item_code,"), encoding="utf-8")
    assert "|| trim(case_id) as item_code" in model.read_text(encoding="utf-8")
    # Neither raw value is personal; the view's concatenation reads as a mobile number.
    case = dict(ROWS["cases"], item_code="1380013", case_id="8000")
    review, decision = dict(ROWS["reviews"], case_id="8000"), dict(ROWS["decisions"], case_id="8000")
    write_raw(tmp_path / "raw", {name: [row] for name, row in ROWS.items()} | {"cases": [case], "reviews": [review], "decisions": [decision]})
    with pytest.raises(BuildError) as refused:
        build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", sql_dir, log=lambda m: None, allow_shrink=True)
    message = str(refused.value)
    assert "staging.stg_cases.item_code" in message, message
    assert not re.search(r"13800138000", message)
