"""Which text columns of a view only pass raw text on, so the personal-data scan of the raw
tables already covers them.

A staging view such as `stg_cases` re-reads `raw.cases`; scanning its `case_id` for ID-card
and mobile numbers again would scan `trim(raw.cases.case_id)`, which cannot hold a number
the raw column did not (trim removes only spaces at the ends, which fence a number as any
other non-digit does). This module reads a view's SQL through DuckDB's own parser
(`json_serialize_sql`) and proves, column by column, that its value is a raw text column
(of a table the raw check scans) or a harmless constant, passed through nothing but
`trim(x)`, `nullif`, `coalesce` and casts. Whatever it cannot prove is scanned as before.
"""

from __future__ import annotations

import json

import duckdb

from qjgov.warehouse import personal

# Functions whose value is one of their arguments, or the argument with spaces cut from its
# ends (trim with one argument only: trim(x, '0') could cut a digit that fenced a number).
_PASS_THROUGH = {"trim": 1, "ltrim": 1, "rtrim": 1, "nullif": 2}


def passed_through_columns(con: duckdb.DuckDBPyConnection, sql: str, raw_text: dict[str, set[str]]) -> set[str]:
    """The output columns of the query `sql` proven to hold only values of the raw text
    columns `raw_text` ({table: {column}} of schema raw) or constants that are no personal
    data. A query the parser does not take proves nothing."""
    try:
        tree = json.loads(con.execute("select json_serialize_sql(?::varchar)", [sql]).fetchall()[0][0])
    except (duckdb.Error, json.JSONDecodeError, IndexError):
        return set()
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return set()
    node = tree["statements"][0]["node"]
    names = {_output_name(expr) for expr in node.get("select_list", []) if expr.get("class") != "STAR"}
    names |= _star_names(node, {}, raw_text)
    return {name for name in names if name and _column_proven(node, name, {}, raw_text, depth=0)}


def _output_name(expr: dict) -> str:
    if expr.get("alias"):
        return expr["alias"]
    if expr.get("class") == "COLUMN_REF":
        return expr["column_names"][-1]
    return ""


def _ctes(node: dict, outer: dict) -> dict:
    inner = {entry["key"]: entry["value"]["query_node"] for entry in node.get("cte_map", {}).get("map", [])}
    return {**outer, **inner}


def _star_names(node: dict, ctes: dict, raw_text: dict[str, set[str]]) -> set[str]:
    """Names a `*` may bring in (only from a raw table or a CTE, as far as they are known)."""
    ctes = _ctes(node, ctes)
    if not any(expr.get("class") == "STAR" for expr in node.get("select_list", [])):
        return set()
    source = node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE":
        return set()
    if source.get("schema_name") == "raw":
        return set(raw_text.get(source.get("table_name"), set()))
    inner = ctes.get(source.get("table_name")) if not source.get("schema_name") else None
    if inner is None or inner.get("type") != "SELECT_NODE":
        return set()
    names = {_output_name(expr) for expr in inner.get("select_list", []) if expr.get("class") != "STAR"}
    return names | _star_names(inner, ctes, raw_text)


def _column_proven(node: dict, name: str, ctes: dict, raw_text: dict[str, set[str]], depth: int) -> bool:
    """Whether every way `name` can come out of SELECT `node` is proven to pass raw text on."""
    if depth > 20 or node.get("type") != "SELECT_NODE":
        return False
    ctes = _ctes(node, ctes)
    select_list = node.get("select_list", [])
    candidates = [expr for expr in select_list if expr.get("class") != "STAR" and _output_name(expr) == name]
    stars = [expr for expr in select_list if expr.get("class") == "STAR"]
    for star in stars:
        if star.get("exclude_list") or star.get("replace_list") or star.get("rename_list") or star.get("columns") \
                or star.get("expr") or star.get("relation_name") or star.get("qualified_exclude_list"):
            return False
    if stars and name in _star_names(node, ctes, raw_text):
        if not _from_column(node, name, ctes, raw_text, depth):
            return False
        candidates_found = True
    else:
        candidates_found = False
    if not candidates and not candidates_found:
        return False
    return all(_expression_proven(expr, node, ctes, raw_text, depth) for expr in candidates)


def _from_column(node: dict, name: str, ctes: dict, raw_text: dict[str, set[str]], depth: int) -> bool:
    source = node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE" or source.get("catalog_name"):
        return False
    if source.get("schema_name") == "raw":
        return name in raw_text.get(source.get("table_name"), set())
    if source.get("schema_name"):
        return False
    inner = ctes.get(source.get("table_name"))
    return inner is not None and _column_proven(inner, name, ctes, raw_text, depth + 1)


def _expression_proven(expr: dict, node: dict, ctes: dict, raw_text: dict[str, set[str]], depth: int) -> bool:
    kind = expr.get("class")
    if kind == "COLUMN_REF":
        return _from_column(node, expr["column_names"][-1], ctes, raw_text, depth)
    if kind == "CONSTANT":
        literal = expr.get("value", expr.get("literal", {}))
        text = json.dumps(literal, ensure_ascii=False)
        return not personal.contains_personal_data(text)
    if kind == "CAST":
        return _expression_proven(expr["child"], node, ctes, raw_text, depth)
    if kind == "OPERATOR" and expr.get("type") == "OPERATOR_COALESCE":
        return all(_expression_proven(child, node, ctes, raw_text, depth) for child in expr.get("children", []))
    if kind == "FUNCTION":
        arity = _PASS_THROUGH.get(expr.get("function_name", "").lower())
        arguments = expr.get("arguments", [{"name": "", "expression": child} for child in expr.get("children", [])])
        children = [argument["expression"] for argument in arguments]
        if arity is None or len(children) != arity or any(argument.get("name") for argument in arguments) \
                or expr.get("schema") or expr.get("catalog") or expr.get("distinct") or expr.get("export_state") \
                or expr.get("filter") or (expr.get("order_bys") or {}).get("orders"):
            return False
        # nullif(a, b) is a or null: only its first argument reaches the value.
        reaching = children[:1] if expr["function_name"].lower() == "nullif" else children
        return all(_expression_proven(child, node, ctes, raw_text, depth) for child in reaching)
    return False


# --------------------------------------------------------------------------- keys

# Scalar functions: one value per row, never a row more or less.
_SCALAR = {"trim", "ltrim", "rtrim", "nullif", "upper", "lower", "date", "year", "month", "day"}
_ROW_KEEPING = {"COLUMN_REF", "CONSTANT", "CAST", "COMPARISON", "CONJUNCTION", "OPERATOR", "CASE", "FUNCTION"}


def raw_key_columns(con: duckdb.DuckDBPyConnection, sql: str, raw_keys: dict[str, list[str]]) -> tuple[str, dict[str, str]] | None:
    """(raw table, {output column: raw key column}) when the query `sql` returns exactly one
    row per row of one raw table (no filter, grouping, join, DISTINCT, LIMIT, aggregate,
    window or unnest on the way) and those output columns are that table's key columns
    passed through trim, nullif or a cast. The raw check has then already proven that they
    are unique and never blank, so a grain test on them would repeat it. None otherwise."""
    try:
        tree = json.loads(con.execute("select json_serialize_sql(?::varchar)", [sql]).fetchall()[0][0])
    except (duckdb.Error, json.JSONDecodeError, IndexError):
        return None
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return None
    node = tree["statements"][0]["node"]
    table = _row_keeping_source(node, {}, depth=0)
    if table is None or table not in raw_keys:
        return None
    keys = {}
    for key in raw_keys[table]:
        for name in _output_names(node):
            if _key_of(node, name, {}, depth=0) == (table, key):
                keys[name] = key
    return table, keys


def _output_names(node: dict) -> set[str]:
    return {_output_name(expr) for expr in node.get("select_list", []) if expr.get("class") != "STAR"} | _star_names(node, {}, _ALL)


class _Everything(dict):
    """raw_text stand-in for names only: every raw table has every column."""

    def get(self, key, default=None):  # noqa: D401
        return set()


_ALL = _Everything()


def _row_keeping_source(node: dict, ctes: dict, depth: int) -> str | None:
    """The raw table whose rows `node` returns one for one, or None."""
    if depth > 20 or node.get("type") != "SELECT_NODE":
        return None
    ctes = _ctes(node, ctes)
    if node.get("where_clause") or node.get("group_expressions") or node.get("group_sets") or node.get("having") \
            or node.get("qualify") or node.get("sample") or node.get("modifiers") \
            or node.get("aggregate_handling") not in (None, "STANDARD_HANDLING"):
        return None
    for expr in node.get("select_list", []):
        if expr.get("class") == "STAR":
            if expr.get("expr") or expr.get("columns"):
                return None
        elif not _keeps_rows(expr):
            return None
    source = node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE" or source.get("catalog_name") or source.get("sample"):
        return None
    if source.get("schema_name") == "raw":
        return source.get("table_name")
    inner = ctes.get(source.get("table_name")) if not source.get("schema_name") else None
    return None if inner is None else _row_keeping_source(inner, ctes, depth + 1)


def _keeps_rows(expr) -> bool:
    """No aggregate, window, unnest or subquery anywhere in the expression."""
    if isinstance(expr, list):
        return all(_keeps_rows(item) for item in expr)
    if not isinstance(expr, dict):
        return True
    kind = expr.get("class")
    if kind in ("WINDOW", "SUBQUERY", "LAMBDA", "LAMBDA_REF", "STAR", "COLLATE", "PARAMETER", "DEFAULT"):
        return False
    if kind in _ROW_KEEPING:
        if kind == "FUNCTION" and expr.get("function_name", "").lower() not in _SCALAR:
            return False
        if kind == "FUNCTION" and (expr.get("distinct") or expr.get("filter") or (expr.get("order_bys") or {}).get("orders")):
            return False
    return all(_keeps_rows(value) for key, value in expr.items() if isinstance(value, (dict, list)) and key != "literal")


def _key_of(node: dict, name: str, ctes: dict, depth: int) -> tuple[str, str] | None:
    """(raw table, raw column) when output column `name` of `node` is that column passed
    through trim, nullif (its first argument) or casts, through CTEs and `*`."""
    if depth > 20 or node.get("type") != "SELECT_NODE":
        return None
    ctes = _ctes(node, ctes)
    candidates = [expr for expr in node.get("select_list", []) if expr.get("class") != "STAR" and _output_name(expr) == name]
    if len(candidates) > 1:
        return None
    if candidates:
        return _key_expression(candidates[0], node, ctes, depth)
    if any(expr.get("class") == "STAR" for expr in node.get("select_list", [])):
        return _key_from(node, name, ctes, depth)
    return None


def _key_from(node: dict, name: str, ctes: dict, depth: int) -> tuple[str, str] | None:
    source = node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE" or source.get("catalog_name"):
        return None
    if source.get("schema_name") == "raw":
        return source.get("table_name"), name
    inner = ctes.get(source.get("table_name")) if not source.get("schema_name") else None
    return None if inner is None else _key_of(inner, name, ctes, depth + 1)


def _key_expression(expr: dict, node: dict, ctes: dict, depth: int) -> tuple[str, str] | None:
    kind = expr.get("class")
    if kind == "COLUMN_REF":
        return _key_from(node, expr["column_names"][-1], ctes, depth)
    if kind == "CAST":
        return _key_expression(expr["child"], node, ctes, depth)
    if kind == "FUNCTION" and expr.get("function_name", "").lower() in ("trim", "nullif"):
        arguments = expr.get("arguments", [{"name": "", "expression": child} for child in expr.get("children", [])])
        expected = 1 if expr["function_name"].lower() == "trim" else 2
        if len(arguments) != expected or any(argument.get("name") for argument in arguments):
            return None
        if expected == 2 and arguments[1]["expression"].get("class") != "CONSTANT":
            return None
        return _key_expression(arguments[0]["expression"], node, ctes, depth)
    return None
