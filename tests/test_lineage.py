"""The personal-data scan skips only view columns proven to pass scanned text on; whatever a
view makes of that text (cut, combined, glued together) is scanned as before."""

from __future__ import annotations

import re

import duckdb
import pytest

from qjgov.warehouse import lineage
from conftest import write_raw
from qjgov.warehouse.build import BuildError, build, discover_models, proven_columns
from qjgov.paths import SEEDS_DIR
from test_build import copy_sql
from test_raw_checks import ROWS

RAW = {("raw", "cases"): {"case_id", "status", "channel"}, ("staging", "stg_items"): {"item_code", "item_name"}}


@pytest.mark.parametrize(
    "sql, proven",
    [
        ("select trim(case_id) as case_id, status, nullif(trim(channel), '') as c from raw.cases", {"case_id", "status", "c"}),
        ("select trimmed(case_id) as case_id, trimmed(status, '1') as s from raw.cases", {"case_id"}),
        ("with s as (select * from raw.cases), t as (select * from s) select * from t", {"case_id", "status", "channel"}),
        ("with s as (select case_id, status from raw.cases) select *, 'ok' as k from s", {"case_id", "status", "k"}),
        ("select coalesce(trim(status), channel, '无') as s, cast(case_id as varchar) as v from raw.cases", {"s", "v"}),
        # What can make a number out of raw text, or hide where a value comes from, is not proven.
        ("select case_id || status as a, trim(case_id, '0') as b, concat(case_id, '') as c, "
         "lower(status) as d, suspended_days::varchar as e from raw.cases", set()),
        ("select '13800138000' as p, coalesce(status, '138 0013 8000') as q, nullif('13800138000', status) as r from raw.cases", set()),
        # A detour through a number drops the zero that fenced '013800138000'.
        ("select cast(cast(case_id as bigint) as varchar) as a, try_cast(status as varchar) as b from raw.cases", set()),
        # Joins (a column named with its table) and UNION branches (by position) are followed.
        ("select trim(c.case_id) as a, i.item_name as n, coalesce(i.item_name, c.status) as m "
         "from raw.cases as c left join staging.stg_items as i on i.item_code = c.channel", {"a", "n", "m"}),
        ("with c as (select * from raw.cases) select c.case_id from c cross join staging.stg_items", {"case_id"}),
        ("select case_id from raw.cases union all select status from raw.cases union select 'G07' from raw.cases", {"case_id"}),
        # … but not a column whose table cannot be told, of a table no scan covers, or a branch that makes a number.
        ("select case_id from raw.cases join staging.stg_items on true", set()),
        ("select trim(c.case_id) as a from raw.cases as c join raw.cases as d using (case_id)", set()),
        ("select c.case_id, i.department from raw.cases as c join staging.stg_items as i on true", {"case_id"}),
        ("select case_id from raw.cases union all select case_id || status from raw.cases", set()),
        ("select case_id from raw.cases union all by name select status as case_id from raw.cases", set()),
        # A `*` beside a column of the same name (DuckDB renames one of them), here a joined constant.
        ("with d as (select '13912345678' as case_id) select *, c.case_id as case_id from d join raw.cases as c on true", set()),
        # A CTE's body reads the CTEs of its own scope, not those where it is named.
        ("with b as (select '13912345678' as v), x as (select v from b), "
         "y as (with b as (select case_id as v from raw.cases) select v from x) select v from y", set()),
        ("with b as (select case_id as v from raw.cases), x as (select v from b) select v from x", {"v"}),
        ("select trim(case_id) as case_id from (select case_id || '' as case_id from raw.cases)", set()),
        ("with s as (select case_id || '1' as status from raw.cases) select * from s", set()),
        ("select * exclude (status) from raw.cases", set()),
        ("select trim(case_id) as case_id from seeds.targets", set()),
        ("this is not sql", set()),
        # Columns renamed by an alias list are not followed.
        ("select case_id from raw.cases as c(status, case_id)", set()),
        ("with c(status, case_id) as (select case_id, status from raw.cases) select case_id from c", set()),
        # A scalar subquery's value is its one column's: proven as that column is.
        ("with u as (select status from raw.cases) select coalesce(channel, (select status from u)) as c, "
         "(select '13800138000') as p, (select status || case_id from u) as q, (select * from u) as r from raw.cases", {"c"}),
    ],
)
def test_only_raw_text_passed_through_is_proven(sql, proven):
    assert lineage.passed_through_columns(duckdb.connect(), sql, RAW) == proven


def test_the_large_views_need_no_second_scan(tiny_warehouse):
    con = tiny_warehouse(**{name: [row] for name, row in ROWS.items()})
    covered = proven_columns(con, discover_models())
    assert {"case_id", "item_code", "status", "channel"} <= covered[("staging", "stg_cases")]
    assert {"review_id", "case_id", "comment"} <= covered[("staging", "stg_reviews")]
    # The case lists: joined from staging views, a kept table and seeds, four branches of a UNION.
    text = {c for c, in con.sql("select column_name from duckdb_columns() where table_name = 'case_goal_records' and data_type = 'VARCHAR'").fetchall()}
    assert covered[("marts", "case_goal_records")] == text
    # … and the table they read, written from the cases joined with their items (a temporary table).
    assert {"case_id", "item_name", "department", "channel"} <= covered[("intermediate", "int_plan_year_cases")]
    assert {"item_name", "department", "goal_id"} <= text


@pytest.mark.parametrize(
    "model, before, after, column",
    [
        ("staging/stg_cases.sql", "nullif(trim(item_code), '') as item_code,", "nullif(trim(item_code), '') || trimmed(case_id) as item_code,",
         "staging.stg_cases.item_code"),
        # In one branch of the case lists' UNION only.
        ("marts/case_goal_records.sql", "select 'G19', case_id, item_code,", "select 'G19', case_id, item_code || case_id,",
         "marts.case_goal_records.item_code"),
    ],
)
def test_a_view_that_makes_a_number_out_of_scanned_text_is_still_scanned(tmp_path, model, before, after, column):
    sql_dir = copy_sql(tmp_path)
    path = sql_dir / model
    text = path.read_text(encoding="utf-8")
    assert before in text
    path.write_text(text.replace(before, after), encoding="utf-8")
    # Neither raw value is personal; the view's concatenation reads as a mobile number.
    case = dict(ROWS["cases"], item_code="1380013", case_id="8000")
    review, decision = dict(ROWS["reviews"], case_id="8000"), dict(ROWS["decisions"], case_id="8000")
    write_raw(tmp_path / "raw", {name: [row] for name, row in ROWS.items()} | {"cases": [case], "reviews": [review], "decisions": [decision]})
    with pytest.raises(BuildError) as refused:
        build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", sql_dir, log=lambda m: None, allow_shrink=True)
    message = str(refused.value)
    assert column in message, message
    assert not re.search(r"13800138000", message)


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("with s as (select * from raw.cases) select trim(case_id) as case_id, status = '办结' as done from s", {"case_id": "case_id"}),
        ("select nullif(trim(case_id), '') as id, cast(accepted_at as date) as d from raw.cases", {"id": "case_id"}),
        ("select trimmed(case_id) as case_id from raw.cases", {"case_id": "case_id"}),
        # Rows filtered, grouped, joined, multiplied or cut, or a key remade: not proven.
        ("select trim(case_id) as case_id from raw.cases where status = '办结'", None),
        ("select distinct trim(case_id) as case_id from raw.cases", None),
        ("select trim(case_id) as case_id, count(*) as n from raw.cases group by 1", None),
        ("select trim(case_id) as case_id, count(*) over () as n from raw.cases", None),
        ("select trim(case_id) as case_id, unnest([1, 2]) as u from raw.cases", None),
        ("select trim(case_id) as case_id from raw.cases limit 5", None),
        ("select trim(c.case_id) as case_id from raw.cases as c join raw.reviews as r using (case_id)", None),
        ("select trim(case_id) as case_id from raw.cases union all select trim(case_id) from raw.cases", None),
        ("select lower(case_id) as case_id from raw.cases", {}),
        ("select nullif(trim(case_id), status) as case_id from raw.cases", {}),
        # A `*` beside a column of its name (DuckDB renames one), or a `*` that replaces a column.
        ("select *, trim(status) as case_id from raw.cases", {}),
        ("with c as (select trim(case_id) as case_id, status from raw.cases), d as (select * replace (status as case_id) from c) "
         "select case_id from d", None),
        # Columns renamed by an alias list, of a CTE or a table; a struct's field named like the key.
        ("with c(status, case_id) as (select case_id, status from raw.cases) select case_id from c", None),
        ("select case_id from raw.cases as r(status, case_id)", None),
        ("with c as (select trim(case_id) as case_id, cast(status as struct(case_id varchar)) as s from raw.cases) "
         "select s.case_id as case_id from c", {}),
        # A cast to a number or a date can make two keys one ('1' and '01'); a try_cast, two nulls.
        ("select cast(trim(case_id) as integer) as case_id from raw.cases", {}),
        ("select try_cast(case_id as varchar) as case_id from raw.cases", {}),
    ],
)
def test_a_grain_is_proven_at_load_only_for_one_row_per_raw_row_and_the_raw_key(sql, expected):
    found = lineage.raw_key_columns(duckdb.connect(), sql, {"cases": ["case_id"], "reviews": ["review_id"]})
    assert (None if found is None else found[1]) == expected


def test_raw_columns_say_how_each_is_passed_on():
    sql = ("with s as (select * from raw.reviews) select trim(review_id) as review_id, cast(reviewed_at as date) as day, "
           "nullif(trim(case_id), '') as case_id, upper(channel) as channel from s")
    assert lineage.raw_columns(duckdb.connect(), sql) == (
        "reviews", {"review_id": ("review_id", set()), "day": ("reviewed_at", {"cast"}), "case_id": ("case_id", {"nullif"})}
    )
    assert lineage.raw_columns(duckdb.connect(), "select trim(review_id) as review_id from raw.reviews where rating > 3") is None


def test_not_null_tests_repeating_the_raw_check_are_proven_and_the_rest_still_run(tmp_path):
    lines: list[str] = []
    write_raw(tmp_path / "raw", {name: [row] for name, row in ROWS.items()})
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", copy_sql(tmp_path / "plain"), log=lines.append, allow_shrink=True)
    assert any(line.startswith("  not_null__staging.stg_reviews: never null by the raw check (review_id, reviewed_at, rating") for line in lines)
    # A required column passed through nullif may be blanked to null: tested on the data.
    sql_dir = copy_sql(tmp_path / "nullif")
    model = sql_dir / "staging" / "stg_complaints.sql"
    text = model.read_text(encoding="utf-8")
    assert "cast(assigned_at as timestamp) as assigned_at" in text
    model.write_text(text.replace("cast(assigned_at as timestamp) as assigned_at",
                                  "nullif(cast(assigned_at as timestamp), timestamp '1999-01-01') as assigned_at"), encoding="utf-8")
    lines.clear()
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", sql_dir, log=lines.append, allow_shrink=True)
    assert not any("not_null__staging.stg_complaints: never null" in line for line in lines)
    # stg_cases.status is not required by the contract: a case without one fails its test,
    # which now reads that column only.
    case = dict(ROWS["cases"], status=None)
    write_raw(tmp_path / "raw", {name: [row] for name, row in ROWS.items()} | {"cases": [case]})
    with pytest.raises(BuildError) as refused:
        build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", copy_sql(tmp_path / "again"), log=lambda m: None, allow_shrink=True)
    assert "not_null__staging.stg_cases" in str(refused.value)


def test_a_staging_view_that_repeats_raw_rows_has_its_grain_tested(tmp_path):
    sql_dir = copy_sql(tmp_path)
    model = sql_dir / "staging" / "stg_decisions.sql"
    text = model.read_text(encoding="utf-8")
    model.write_text(text.replace("    from source\n", "    from source\n    cross join (select 1 union all select 2)\n"), encoding="utf-8")
    assert "cross join" in model.read_text(encoding="utf-8")
    write_raw(tmp_path / "raw", {name: [row] for name, row in ROWS.items()})
    with pytest.raises(BuildError) as refused:
        build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", sql_dir, log=lambda m: None, allow_shrink=True)
    assert "grain__staging.stg_decisions" in str(refused.value)
    lines: list[str] = []
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", copy_sql(tmp_path / "plain"), log=lines.append, allow_shrink=True)
    assert any("grain__staging.stg_decisions: proven by the raw key check" in line for line in lines)


GRAINS = {
    ("intermediate", "plan_cases"): [["case_id"]],
    ("raw", "cases"): [["case_id"]],
    ("intermediate", "snapshots"): [["as_of", "source"]],
    ("raw", "numbered"): [["id"]],
}
# The tables the queries below read, so DuckDB can bind their join keys' types.
TABLES = """
create schema raw; create schema intermediate; create schema staging;
create table raw.cases (case_id varchar, item_code varchar, status varchar, x boolean, v integer, w integer, t timestamp);
create table raw.items (item_code varchar, n integer);
create table raw.reviews (case_id varchar, item_code varchar, reviewed_at timestamp, x boolean);
create table raw.numbered (id integer, k integer);
create table staging.stg_reviews (case_id varchar, reviewed_at timestamp, x boolean);
create table intermediate.plan_cases (case_id varchar, open boolean, other varchar, d date, e date, t timestamp, item_code varchar);
create table intermediate.other_cases (case_id varchar);
create table intermediate.snapshots (as_of integer, source varchar);
"""


@pytest.fixture(scope="module")
def tables():
    con = duckdb.connect()
    con.execute(TABLES)
    return con


@pytest.mark.parametrize(
    "sql, grain, proven",
    [
        ("select case_id, min(reviewed_at) as first from staging.stg_reviews where x group by case_id", ["case_id"], True),
        ("select r.case_id, r.item_code, count(*) as n from raw.reviews as r join raw.cases as c using (case_id) group by r.case_id, r.item_code",
         ["case_id", "item_code"], True),
        ("select 'G07' as goal_id, case_id, d as counted_from from intermediate.plan_cases where d is not null "
         "union all select 'G19', case_id, e from intermediate.plan_cases", ["goal_id", "case_id"], True),
        ("select case_id, trim(item_code) as item_code from raw.cases where status = '办结'", ["case_id"], True),
        # A grouping that the grain does not name, or that multiplies its rows; rollups; GROUP BY ALL.
        ("select case_id, count(*) as n from raw.reviews group by case_id, item_code", ["case_id"], False),
        ("select case_id, unnest([1, 2]) as u from raw.reviews group by case_id", ["case_id"], False),
        ("select case_id, count(*) as n from raw.reviews group by rollup (case_id)", ["case_id"], False),
        ("select case_id, count(*) as n from raw.reviews group by all", ["case_id"], False),
        # Branches that share a constant, a branch joined to another table, a plain UNION, a table
        # whose grain the branch does not pass on, a key remade.
        ("select 'G07' as goal_id, case_id from intermediate.plan_cases union all select 'G07', case_id from intermediate.plan_cases",
         ["goal_id", "case_id"], False),
        ("select 'G07' as goal_id, case_id from intermediate.plan_cases union all "
         "select 'G19', p.case_id from intermediate.plan_cases as p join raw.reviews as r using (case_id)", ["goal_id", "case_id"], False),
        ("select 'G07' as goal_id, case_id from intermediate.plan_cases union all select 'G19', item_code from intermediate.plan_cases",
         ["goal_id", "case_id"], False),
        ("select case_id from intermediate.other_cases", ["case_id"], False),
        ("select lower(case_id) as case_id from raw.cases", ["case_id"], False),
        # Constants that UNION ALL casts to one value (1 and 1.0); branches over two tables whose
        # key columns have one type are proven (see also the test of two types below).
        ("select 1 as src, case_id from intermediate.plan_cases union all select 1.0, case_id from intermediate.plan_cases",
         ["src", "case_id"], False),
        ("select 'a' as src, case_id from intermediate.plan_cases union all select 'b', case_id from raw.cases",
         ["src", "case_id"], True),
        # A table joined to others each on one of their grains, or crossed with a one-row
        # aggregate, through CTEs that filter a table or group: one row per row of the first.
        ("with c as (select * from raw.cases where x), d as (select item_code, max(n) as n from raw.items group by item_code) "
         "select c.case_id, d.n from c left join d on d.item_code = trim(c.item_code)", ["case_id"], True),
        ("with y as (select max(v) as v, count(*) as n from raw.cases) select c.case_id, y.v from raw.cases as c cross join y",
         ["case_id"], True),
        ("select c.case_id, (select max(v) from raw.cases) as v from raw.cases as c "
         "inner join intermediate.plan_cases as p on p.case_id = c.case_id and p.open", ["case_id"], True),
        ("select s.as_of, s.source from intermediate.snapshots as s left join intermediate.snapshots as t "
         "on t.as_of = s.as_of + 1 and t.source = s.source", ["as_of", "source"], True),
        # Joined on no key, a key set equal to the joined table's own column or to a name that may
        # be its own, a key only in part, OR-ed, a right, full or as-of join; crossed with a table
        # of many rows or with a grouped aggregate; a grain column taken from the joined table; an
        # unnest; a `*` that may bring a second column of the grain's name.
        ("select c.case_id from raw.cases as c left join raw.reviews as r on r.case_id = c.case_id", ["case_id"], False),
        ("select c.case_id from raw.cases as c left join intermediate.plan_cases as p on p.case_id = p.other", ["case_id"], False),
        ("select c.case_id from raw.cases as c left join intermediate.plan_cases as p on p.case_id = case_id", ["case_id"], False),
        ("select s.as_of, s.source from intermediate.snapshots as s left join intermediate.snapshots as t on t.as_of = s.as_of",
         ["as_of", "source"], False),
        ("select c.case_id from raw.cases as c left join intermediate.plan_cases as p on p.case_id = c.case_id or p.open",
         ["case_id"], False),
        ("select c.case_id from raw.cases as c right join intermediate.plan_cases as p on p.case_id = c.case_id", ["case_id"], False),
        ("select c.case_id from raw.cases as c full join intermediate.plan_cases as p on p.case_id = c.case_id", ["case_id"], False),
        ("select c.case_id from raw.cases as c asof join intermediate.plan_cases as p on p.case_id = c.case_id and p.t <= c.t",
         ["case_id"], False),
        ("with y as (select v from raw.cases) select c.case_id from raw.cases as c cross join y", ["case_id"], False),
        ("with y as (select max(v) as v from raw.cases group by w) select c.case_id from raw.cases as c cross join y", ["case_id"], False),
        ("select p.case_id from raw.cases as c left join intermediate.plan_cases as p on p.case_id = c.case_id", ["case_id"], False),
        ("select c.case_id, unnest([1, 2]) as u from raw.cases as c left join intermediate.plan_cases as p on p.case_id = c.case_id",
         ["case_id"], False),
        ("select c.case_id, p.* from raw.cases as c left join intermediate.plan_cases as p on p.case_id = c.case_id", ["case_id"], False),
        # A key compared with a value of another type is cast ('1' and '01' as numbers); a collation.
        ("select n.id from raw.numbered as n left join intermediate.plan_cases as p on p.case_id = n.k", ["id"], False),
        ("select c.case_id from raw.cases as c left join intermediate.plan_cases as p on p.case_id = c.item_code collate nocase",
         ["case_id"], False),
        # Names match whatever their case: an alias, an output column, a CTE shadowed inside a CTE.
        ("select c.case_id from raw.cases as c left join intermediate.plan_cases as P on P.case_id = p.other", ["case_id"], False),
        ("select c.item_code as CASE_ID, c.case_id from raw.cases as c left join intermediate.plan_cases as p on p.case_id = c.case_id",
         ["case_id"], False),
        ("select item_code as ID, case_id as id from raw.cases", ["id"], False),
        ("with c as (select * from raw.cases), x as (with C as (select * from raw.reviews) select c.case_id from c "
         "left join intermediate.plan_cases as p on p.case_id = c.case_id) select x.case_id from x", ["case_id"], False),
        # A CTE that renames its columns.
        ("with c(item_code, case_id) as (select * from raw.cases) select c.case_id from c "
         "left join intermediate.plan_cases as p on p.case_id = c.item_code", ["case_id"], False),
        # A WITH of a UNION branch's own, shadowing a name of the query's.
        ("with c as (select * from intermediate.plan_cases) select case_id, 'x' as tag from c union all "
         "(with c as (select * from raw.reviews) select case_id, 'y' as tag from c union all select case_id, 'z' from c)",
         ["case_id", "tag"], False),
    ],
)
def test_a_grain_is_proven_by_the_sql_only_when_no_row_can_repeat(tables, sql, grain, proven):
    assert (lineage.grain_reason(tables, sql, grain, GRAINS) is not None) == proven


def test_a_join_is_no_proof_where_a_column_compares_text_by_a_collation():
    con = duckdb.connect()
    con.execute("create schema s; create table s.a (id varchar, k varchar collate nocase); create table s.b (id varchar, v varchar)")
    sql = "select a.id, b.v from s.a as a left join s.b as b on b.id = a.k"
    # 'k' would match both 'k' and 'K' of s.b, each its own row under s.b's grain.
    assert lineage.grain_reason(con, sql, ["id"], {("s", "a"): [["id"]], ("s", "b"): [["id"]]}) is None
    plain = duckdb.connect()
    plain.execute("create schema t; create table t.a (id varchar, k varchar); create table t.b (id varchar, v varchar)")
    assert lineage.grain_reason(plain, sql.replace("s.", "t."), ["id"], {("t", "a"): [["id"]], ("t", "b"): [["id"]]}) is not None


def test_union_branches_over_two_tables_are_proven_only_when_their_key_columns_have_one_type():
    con = duckdb.connect()
    con.execute("create schema s; create table s.a (id varchar); create table s.b (id varchar); create table s.c (id double)")
    grains = {("s", "a"): [["id"]], ("s", "b"): [["id"]], ("s", "c"): [["id"]]}
    union = "with b as (select * from s.b where id <> '') select 'a' as src, id from s.a union all select 'b', id from {}"
    assert lineage.grain_reason(con, union.format("b"), ["src", "id"], grains) is not None
    # A double and a text cast to one type: the cast could make two values one.
    assert lineage.grain_reason(con, union.format("s.c"), ["src", "id"], grains) is None


def test_the_case_lists_and_the_first_reviews_need_no_grain_test(tmp_path):
    lines: list[str] = []
    write_raw(tmp_path / "raw", {name: [row] for name, row in ROWS.items()})
    build(tmp_path / "raw", SEEDS_DIR, tmp_path / "w.duckdb", copy_sql(tmp_path / "plain"), log=lines.append, allow_shrink=True)
    assert any(line.startswith("  grain__marts.case_goal_records: one row per row of intermediate.int_plan_year_cases") for line in lines)
    assert any(line.startswith("  grain__intermediate.int_case_first_reviews: one row per group") for line in lines)
    # The cases and duty records joined to their departments, first reviews and deadlines.
    for model in ("int_cases_enriched", "int_duty_records", "int_plan_year_cases"):
        assert any(line.startswith(f"  grain__intermediate.{model}: one row per row of") for line in lines), model
