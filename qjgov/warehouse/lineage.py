"""Which text columns of a view only pass on text a scan has already covered, so the
personal-data scan need not read them again.

A staging view such as `stg_cases` re-reads `raw.cases`; scanning its `case_id` for ID-card
and mobile numbers again would scan `trim(raw.cases.case_id)`, which cannot hold a number
the raw column did not (trim removes only spaces at the ends, which fence a number as any
other non-digit does). A mart view such as `case_goal_records` joins such views and tables
and stacks four branches with UNION ALL: each of its values is still one of theirs. This
module reads a view's SQL through DuckDB's own parser (`json_serialize_sql`) and proves,
column by column, that its value is a covered text column (of a table or view a scan reads
or a proof covers) or a harmless constant, passed through nothing but `trim(x)`, `nullif`,
`coalesce` and casts, through CTEs, joins (a column named with its table), scalar subqueries
and set operations (by position). Whatever it cannot prove is scanned as before.
"""

from __future__ import annotations

import copy
import json

import duckdb

from qjgov.warehouse import personal

# Functions whose value is one of their arguments, or the argument with spaces cut from its
# ends (trim with one argument only: trim(x, '0') could cut a digit that fenced a number).
# (`trimmed` is the build's macro equal to trim, qjgov.warehouse.build.define_functions.)
_PASS_THROUGH = {"trim": 1, "ltrim": 1, "rtrim": 1, "trimmed": 1, "nullif": 2}


def _parse(con: duckdb.DuckDBPyConnection, sql: str) -> dict | None:
    """The parse tree of the one statement `sql` (DuckDB's own parser, which reads no table);
    None when it is not one. Parsed once per text (the proofs read each model several times);
    callers do not change the tree."""
    if sql not in _PARSED:
        try:
            tree = json.loads(con.execute("select json_serialize_sql(?::varchar)", [sql]).fetchall()[0][0])
        except (duckdb.Error, json.JSONDecodeError, IndexError):
            tree = {"error": True}
        ok = not tree.get("error") and len(tree.get("statements", [])) == 1
        _PARSED[sql] = _lower_names(tree["statements"][0]["node"]) if ok else None
    return _PARSED[sql]


_PARSED: dict[str, dict | None] = {}


_NAMES = {"alias", "table_name", "schema_name", "catalog_name", "function_name", "relation_name"}


def _lower_names(tree):
    """The parse tree with every identifier in lower case: DuckDB matches names (tables, CTEs,
    aliases, columns) whatever their case, so the proofs compare them so too."""
    if isinstance(tree, list):
        return [_lower_names(item) for item in tree]
    if not isinstance(tree, dict):
        return tree
    lowered = {}
    for key, value in tree.items():
        if key in _NAMES and isinstance(value, str):
            lowered[key] = value.lower()
        elif key in ("column_names", "column_name_alias") and isinstance(value, list):
            lowered[key] = [name.lower() if isinstance(name, str) else name for name in value]
        elif key == "map" and isinstance(value, list):  # a WITH's CTEs: {key: name, value: …}
            lowered[key] = [{**_lower_names(entry), "key": entry.get("key", "").lower()} for entry in value]
        elif key in ("literal", "value") and tree.get("class") == "CONSTANT":
            lowered[key] = value
        else:
            lowered[key] = _lower_names(value)
    return lowered


Clean = dict[tuple[str, str], set[str]]  # {(schema, table): text columns scanned or proven}


def passed_through_columns(con: duckdb.DuckDBPyConnection, sql: str, clean: Clean) -> set[str]:
    """The output columns of the query `sql` proven to hold only values of the text columns
    `clean` ({(schema, table): columns}, the columns a scan has covered) or constants that
    are no personal data, through CTEs, joins (columns named with their table) and UNION.
    A query the parser does not take proves nothing."""
    node = _parse(con, sql)
    if node is None:
        return set()
    clean = {(schema.lower(), table.lower()): {column.lower() for column in columns} for (schema, table), columns in clean.items()}
    return {name for name in _names_out(node, {}, clean) if name and _column_proven(node, name, {}, clean, depth=0)}


def _names_out(node: dict, ctes: dict, clean: Clean) -> set[str]:
    if node.get("type") == "SET_OPERATION_NODE":
        children = node.get("children") or []
        return set(_positional_names(children[0]) or []) if children else set()
    names = {_output_name(expr) for expr in node.get("select_list", []) if expr.get("class") != "STAR"}
    return names | _star_names(node, ctes, clean)


def _positional_names(node: dict) -> list[str] | None:
    """The output names of a UNION branch by position (None when a `*` hides them)."""
    if node.get("type") == "SET_OPERATION_NODE":
        children = node.get("children") or []
        return _positional_names(children[0]) if children else None
    select_list = node.get("select_list", [])
    if node.get("type") != "SELECT_NODE" or any(expr.get("class") == "STAR" for expr in select_list):
        return None
    return [_output_name(expr) for expr in select_list]


def _output_name(expr: dict) -> str:
    if expr.get("alias"):
        return expr["alias"]
    if expr.get("class") == "COLUMN_REF":
        return expr["column_names"][-1]
    return ""


def _ctes(node: dict, outer: dict) -> dict:
    """{name: (query, the CTEs its body sees)}: a CTE's body sees the CTEs around its WITH
    and the earlier ones of the same WITH, wherever it is named later."""
    scope = dict(outer)
    for entry in node.get("cte_map", {}).get("map", []):
        scope[entry["key"]] = (entry["value"]["query_node"], dict(scope), entry["value"])
    return scope


def _cte(ctes: dict, name: str | None) -> tuple[dict, dict] | tuple[None, None]:
    """(body, the CTEs it sees) of the CTE `name`; (None, None) when there is none, or when it
    renames its columns (`c(x, y) as …`), which the proofs do not follow."""
    body, scope, value = ctes.get(name, (None, None, None))
    return (None, None) if body is None or (value or {}).get("aliases") else (body, scope)


def _star_names(node: dict, ctes: dict, clean: Clean) -> set[str]:
    """Names a `*` may bring in (only from a single table or CTE, as far as they are known)."""
    ctes = _ctes(node, ctes)
    if not any(expr.get("class") == "STAR" for expr in node.get("select_list", [])):
        return set()
    source = node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE" or source.get("column_name_alias"):
        return set()
    if source.get("schema_name"):
        return set(clean.get((source["schema_name"], source.get("table_name")), set()))
    inner, scope = _cte(ctes, source.get("table_name"))
    if inner is None:
        return set()
    return _names_out(inner, scope, clean)


def _all_star_names(node: dict, ctes: dict, depth: int = 0) -> set[str] | None:
    """Every name the `*` of `node` brings in, when known: from a CTE whose own names are all
    known; None from a table (whose columns this module is not told) or a join."""
    ctes = _ctes(node, ctes)
    source = node.get("from_table") or {}
    if depth > 20 or source.get("type") != "BASE_TABLE" or source.get("column_name_alias") or source.get("schema_name"):
        return None
    inner, scope = _cte(ctes, source.get("table_name"))
    if inner is None or inner.get("type") != "SELECT_NODE":
        return None
    names = {_output_name(expr) for expr in inner.get("select_list", []) if expr.get("class") != "STAR"}
    if "" in names:
        return None
    if any(expr.get("class") == "STAR" for expr in inner.get("select_list", [])):
        more = _all_star_names(inner, scope, depth + 1)
        return None if more is None else names | more
    return names


def _column_proven(node: dict, name: str, ctes: dict, clean: Clean, depth: int) -> bool:
    """Whether every way `name` can come out of query `node` is proven to pass clean text on."""
    if depth > 20:
        return False
    ctes = _ctes(node, ctes)
    if node.get("type") == "SET_OPERATION_NODE":
        # UNION, EXCEPT, INTERSECT: a value comes from one of the branches, by position.
        children = node.get("children") or []
        names = _positional_names(children[0]) if children else None
        if node.get("setop_type") not in ("UNION", "EXCEPT", "INTERSECT") or not names or names.count(name) != 1:
            return False
        return all(_position_proven(child, names.index(name), ctes, clean, depth + 1) for child in children)
    if node.get("type") != "SELECT_NODE":
        return False
    select_list = node.get("select_list", [])
    candidates = [expr for expr in select_list if expr.get("class") != "STAR" and _output_name(expr) == name]
    stars = [expr for expr in select_list if expr.get("class") == "STAR"]
    if not all(_plain_star(star) for star in stars):
        return False
    if stars and candidates:
        # A `*` beside a column named so: unless the `*` is known not to bring that name (DuckDB
        # would rename one of the two), the value may come from either.
        known = _all_star_names(node, ctes)
        if known is None or name in known:
            return False
    if stars and name in _star_names(node, ctes, clean):
        if not _from_column(node, [name], ctes, clean, depth):
            return False
        candidates_found = True
    else:
        candidates_found = False
    if not candidates and not candidates_found:
        return False
    return all(_expression_proven(expr, node, ctes, clean, depth) for expr in candidates)


def _position_proven(node: dict, index: int, ctes: dict, clean: Clean, depth: int) -> bool:
    if depth > 20:
        return False
    if node.get("type") == "SET_OPERATION_NODE":
        ctes = _ctes(node, ctes)
        if node.get("setop_type") not in ("UNION", "EXCEPT", "INTERSECT"):
            return False
        return all(_position_proven(child, index, ctes, clean, depth + 1) for child in node.get("children") or [])
    names = _positional_names(node)
    if names is None or index >= len(names):
        return False
    ctes = _ctes(node, ctes)
    return _expression_proven(node["select_list"][index], node, ctes, clean, depth)


def _from_column(node: dict, column_names: list[str], ctes: dict, clean: Clean, depth: int) -> bool:
    """Whether the column `column_names` (`[column]` or `[table, column]`) of the FROM of
    `node` is clean: a column of a clean table, or proven in its CTE."""
    if len(column_names) > 2:
        return False
    qualifier, column = (column_names[0] if len(column_names) == 2 else None), column_names[-1]
    source = _source(node.get("from_table") or {}, qualifier)
    if source is None or source.get("type") != "BASE_TABLE" or source.get("catalog_name"):
        return False
    if source.get("schema_name"):
        return column in clean.get((source["schema_name"], source.get("table_name")), set())
    inner, scope = _cte(ctes, source.get("table_name"))
    return inner is not None and _column_proven(inner, column, scope, clean, depth + 1)


def _source(source: dict, qualifier: str | None) -> dict | None:
    """The table of a FROM clause a column reference reads: the only table when unqualified,
    the one named (or aliased) `qualifier` among joined ones; None when it cannot be told."""
    if source.get("type") == "JOIN":
        if qualifier is None or source.get("using_columns"):
            return None
        found = [side for side in (_source(source.get("left") or {}, qualifier), _source(source.get("right") or {}, qualifier)) if side]
        return found[0] if len(found) == 1 else None
    if source.get("type") != "BASE_TABLE" or source.get("column_name_alias"):
        return None
    if qualifier is not None and qualifier != (source.get("alias") or source.get("table_name")):
        return None
    return source


def _expression_proven(expr: dict, node: dict, ctes: dict, clean: Clean, depth: int) -> bool:
    kind = expr.get("class")
    if kind == "COLUMN_REF":
        return _from_column(node, expr["column_names"], ctes, clean, depth)
    if kind == "CONSTANT":
        literal = expr.get("value", expr.get("literal", {}))
        text = json.dumps(literal, ensure_ascii=False)
        return not personal.contains_personal_data(text)
    if kind == "CAST":
        # Text to text only: a detour through a number could drop the digit that fenced one.
        return _text_cast(expr) and _expression_proven(expr["child"], node, ctes, clean, depth)
    if kind == "OPERATOR" and expr.get("type") == "OPERATOR_COALESCE":
        return all(_expression_proven(child, node, ctes, clean, depth) for child in expr.get("children", []))
    if kind == "SUBQUERY" and expr.get("subquery_type") == "SCALAR":
        # A scalar subquery's value is a value of its one column.
        inner = (expr.get("subquery") or {}).get("node") or {}
        names = _positional_names(inner)
        return names is not None and len(names) == 1 and _position_proven(inner, 0, ctes, clean, depth + 1)
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
        return all(_expression_proven(child, node, ctes, clean, depth) for child in reaching)
    return False


def _text_cast(expr: dict) -> bool:
    """A CAST (not TRY_CAST) to text, which keeps a text value as it is."""
    type_name = ((expr.get("type_expr") or {}).get("type_name") or (expr.get("cast_type") or {}).get("id") or "").lower()
    return not expr.get("try_cast") and type_name in ("varchar", "text", "string")


# --------------------------------------------------------------------------- keys

# Scalar functions: one value per row, never a row more or less.
_SCALAR = {"trim", "ltrim", "rtrim", "trimmed", "nullif", "upper", "lower", "date", "year", "month", "day"}


def raw_key_columns(con: duckdb.DuckDBPyConnection, sql: str, raw_keys: dict[str, list[str]]) -> tuple[str, dict[str, str]] | None:
    """(raw table, {output column: raw key column}) when the query `sql` returns exactly one
    row per row of one raw table (no filter, grouping, join, DISTINCT, LIMIT, aggregate,
    window or unnest on the way) and those output columns are that table's key columns
    passed through trim, nullif or a cast to text. The raw check has then already proven that
    they are unique and never blank, so a grain test on them would repeat it. None otherwise."""
    found = raw_columns(con, sql)
    if found is None or found[0] not in raw_keys:
        return None
    table, columns = found
    return table, {name: column for name, (column, how) in columns.items() if column in raw_keys[table] and "cast" not in how}


def raw_columns(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[str, dict[str, tuple[str, set[str]]]] | None:
    """(raw table, {output column: (raw column, how it was passed on)}) when the query `sql`
    returns exactly one row per row of one raw table (as raw_key_columns), for its output
    columns that pass a raw column on through trim, nullif (its first argument; `how` then
    holds "nullif") or casts (a cast to anything but text puts "cast" in `how`; never a
    TRY_CAST). None for any other query."""
    node = _parse(con, sql)
    if node is None:
        return None
    table = _row_keeping_source(node, {}, depth=0)
    if table is None:
        return None
    columns = {}
    for name in _output_names(node):
        found = _key_of(node, name, {}, depth=0)
        if found is not None and found[0] == table:
            columns[name] = found[1:]
    return table, columns


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
            if not _plain_star(expr):
                return None
        elif not _keeps_rows(expr):
            return None
    source = node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE" or source.get("catalog_name") or source.get("sample") or source.get("column_name_alias"):
        return None
    if source.get("schema_name") == "raw":
        return source.get("table_name")
    inner, scope = _cte(ctes, source.get("table_name")) if not source.get("schema_name") else (None, None)
    return None if inner is None else _row_keeping_source(inner, scope, depth + 1)


def _keeps_rows(expr) -> bool:
    """No aggregate, window, unnest or subquery anywhere in the expression."""
    return not any(_changes_rows(node) for node in _nodes(expr))


def _changes_rows(node: dict) -> bool:
    kind = node.get("class")
    if kind in ("WINDOW", "SUBQUERY", "LAMBDA", "LAMBDA_REF", "STAR", "COLLATE", "PARAMETER", "DEFAULT"):
        return True
    return kind == "FUNCTION" and bool(
        node.get("function_name", "").lower() not in _SCALAR
        or node.get("distinct") or node.get("filter") or (node.get("order_bys") or {}).get("orders")
    )


def _key_of(node: dict, name: str, ctes: dict, depth: int) -> tuple[str, str, set[str]] | None:
    """(raw table, raw column, how) when output column `name` of `node` is that column passed
    through trim, nullif (its first argument) or casts, through CTEs and `*` (see raw_columns)."""
    if depth > 20 or node.get("type") != "SELECT_NODE":
        return None
    ctes = _ctes(node, ctes)
    candidates = [expr for expr in node.get("select_list", []) if expr.get("class") != "STAR" and _output_name(expr) == name]
    stars = [expr for expr in node.get("select_list", []) if expr.get("class") == "STAR"]
    if not all(_plain_star(star) for star in stars) or len(candidates) > 1 or (candidates and stars):
        # A `*` beside a column of the same name: DuckDB renames one of them, which the name
        # cannot tell; a `*` that replaces, renames or leaves out columns is not followed.
        return None
    if candidates:
        return _key_expression(candidates[0], node, ctes, depth)
    if stars:
        return _key_from(node, name, ctes, depth)
    return None


def _plain_star(expr: dict) -> bool:
    """`*` alone: no EXCLUDE, REPLACE, RENAME, COLUMNS(…) or table name."""
    return expr.get("class") == "STAR" and not any(
        expr.get(key) for key in ("exclude_list", "replace_list", "rename_list", "qualified_exclude_list", "expr", "columns", "relation_name")
    )


def _key_from(node: dict, name: str, ctes: dict, depth: int) -> tuple[str, str, set[str]] | None:
    source = node.get("from_table") or {}
    if source.get("type") != "BASE_TABLE" or source.get("column_name_alias") or source.get("catalog_name"):
        return None
    if source.get("schema_name") == "raw":
        return source.get("table_name"), name, set()
    inner, scope = _cte(ctes, source.get("table_name")) if not source.get("schema_name") else (None, None)
    return None if inner is None else _key_of(inner, name, scope, depth + 1)


def _key_expression(expr: dict, node: dict, ctes: dict, depth: int) -> tuple[str, str, set[str]] | None:
    kind = expr.get("class")
    if kind == "COLUMN_REF":
        # `column` or `table.column` of the one FROM; a longer name may be a struct's field.
        names, source = expr["column_names"], node.get("from_table") or {}
        if len(names) > 2 or (len(names) == 2 and names[0] != (source.get("alias") or source.get("table_name"))):
            return None
        return _key_from(node, names[-1], ctes, depth)
    if kind == "CAST":
        found = None if expr.get("try_cast") else _key_expression(expr["child"], node, ctes, depth)
        # A cast to a number or a date can make two texts one ('1' and '01'), never a value null.
        return found if found is None or _text_cast(expr) else (*found[:2], found[2] | {"cast"})
    if kind == "FUNCTION" and expr.get("function_name", "").lower() in ("trim", "trimmed", "nullif"):
        arguments = expr.get("arguments", [{"name": "", "expression": child} for child in expr.get("children", [])])
        expected = 2 if expr["function_name"].lower() == "nullif" else 1
        if len(arguments) != expected or any(argument.get("name") for argument in arguments):
            return None
        if expected == 2 and arguments[1]["expression"].get("class") != "CONSTANT":
            return None
        found = _key_expression(arguments[0]["expression"], node, ctes, depth)
        return found if found is None or expected == 1 else (*found[:2], found[2] | {"nullif"})
    return None


# --------------------------------------------------------------------------- grains

Grains = dict[tuple[str, str], list[list[str]]]  # {(schema, table): its grains, each tested in the build}


def grain_reason(con: duckdb.DuckDBPyConnection, sql: str, grain: list[str], grains: Grains) -> str | None:
    """Why the query `sql` returns at most one row per value of the columns `grain`, when its
    SQL alone shows it; None otherwise (the grain is then tested on the data). The shapes:
    - GROUP BY plain columns, each an output column of the grain: one row per group;
    - SELECT … FROM one table, rows filtered at most (no join, grouping, unnest or limit),
      whose grain columns pass on a grain of that table (which the build tests), or a UNION
      ALL of such branches that each name a constant of their own in one grain column;
    - SELECT … FROM such a table joined to others, each on all the columns of one of its
      grains (so at most one row matches), or crossed with a one-row aggregate, whose grain
      columns pass on that first table's: one row per row of it at most.
    A table here is also a CTE that is one of these shapes, or that filters a table."""
    node = _parse(con, sql)
    grain = [column.lower() for column in grain]
    grains = {(schema.lower(), table.lower()): [[column.lower() for column in columns] for columns in table_grains]
              for (schema, table), table_grains in grains.items()}
    return None if node is None else _unique_query(con, node, grain, grains, {}, depth=0)


def _unique_query(con, node: dict, grain: list[str], grains: Grains, ctes: dict, depth: int) -> str | None:
    if depth > 20:
        return None
    if node.get("type") == "SELECT_NODE" and node.get("group_expressions"):
        return _grouped(node, grain)
    if node.get("type") == "SELECT_NODE" and (node.get("from_table") or {}).get("type") == "JOIN":
        return _joined(con, node, grain, grains, ctes, depth)
    branches = _union_all_branches(node)
    if not branches:
        return None
    return _branches_unique(con, branches, grain, grains, _ctes(node, ctes), depth)


def _plain_select(node: dict) -> bool:
    """A SELECT that neither groups nor cuts nor samples its rows (a WHERE only filters)."""
    return node.get("type") == "SELECT_NODE" and not (
        node.get("group_expressions") or node.get("group_sets") or node.get("having") or node.get("qualify")
        or node.get("modifiers") or node.get("sample")
    ) and node.get("aggregate_handling") == "STANDARD_HANDLING"


def _joined(con, node: dict, grain: list[str], grains: Grains, ctes: dict, depth: int) -> str | None:
    """A table joined to others each on a key of theirs: at most one row per row of the first."""
    own = {entry.get("key") for entry in node.get("cte_map", {}).get("map", [])}
    if own & set(ctes):  # a name that shadows an outer one: the key types below are not bound
        return None
    ctes = _ctes(node, ctes)
    select_list = node.get("select_list", [])
    if not _plain_select(node) or any(expr.get("class") == "STAR" or _adds_rows(expr) for expr in select_list):
        return None
    names = [_output_name(expr) for expr in select_list]
    joins = []
    first = node["from_table"]
    while first.get("type") == "JOIN":
        joins.append(first)
        first = first.get("left") or {}
    if not _named_relation(first):
        return None
    aliases = [first.get("alias") or first["table_name"]]
    looked_up = []
    keys = []  # (column expression, the value set equal to it) of every join on a key
    for join in reversed(joins):
        right = join.get("right") or {}
        if not _named_relation(right) or join.get("using_columns"):
            return None
        alias = right.get("alias") or right["table_name"]
        if alias in aliases:
            return None
        aliases.append(alias)
        keyed = _keyed_columns(join.get("condition"), alias)
        if join.get("ref_type") == "CROSS" and _one_row(right, ctes):
            looked_up.append(f"{alias} (one row)")
        elif join.get("ref_type") == "REGULAR" and join.get("join_type") in ("LEFT", "INNER") \
                and _relation_unique(con, right, [column for column, _, _ in keyed], grains, ctes, depth + 1):
            looked_up.append(f"{alias} (on a key)")
            keys += [(key, value) for _, key, value in keyed]
        else:
            return None
    columns = []
    for name in grain:
        expr = select_list[names.index(name)] if names.count(name) == 1 else {}
        if expr.get("class") != "COLUMN_REF" or len(expr["column_names"]) != 2 or expr["column_names"][0] != aliases[0]:
            return None
        columns.append(expr["column_names"][1])
    if not _relation_unique(con, first, columns, grains, ctes, depth + 1) or not _same_types(con, node, ctes, keys):
        return None
    return f"one row per row of {aliases[0]} (unique on {', '.join(columns)}) at most: {', '.join(looked_up)} joined to it"


def _named_relation(source: dict) -> bool:
    return source.get("type") == "BASE_TABLE" and not source.get("catalog_name") and not source.get("sample") \
        and not source.get("at_clause") and not source.get("column_name_alias")


def _adds_rows(expr) -> bool:
    """Whether a select-list expression can make more rows than it reads: an unnest can. (A
    scalar subquery cannot: DuckDB refuses one that returns more than a row.)"""
    return any(_makes_rows(node) for node in _nodes(expr, into_subqueries=False))


def _nodes(expr, into_subqueries: bool = True):
    """Every expression of a part of the parse tree, itself first, but not the insides of a
    constant's literal, nor of a subquery unless `into_subqueries`."""
    if isinstance(expr, list):
        for item in expr:
            yield from _nodes(item, into_subqueries)
    elif isinstance(expr, dict):
        yield expr
        if expr.get("class") != "SUBQUERY" or into_subqueries:
            for key, value in expr.items():
                if isinstance(value, (dict, list)) and key != "literal":
                    yield from _nodes(value, into_subqueries)


def _makes_rows(node: dict) -> bool:
    return node.get("class") == "FUNCTION" and node.get("function_name", "").lower() in ("unnest", "generate_series", "range")


def _keyed_columns(condition: dict | None, alias: str) -> list[tuple[str, dict, dict]]:
    """(column, its reference, the value it is set equal to) for each column of `alias` that
    a join condition (its AND-ed parts) sets equal to a value of the tables before it: each
    `alias.column = expression not reading alias`."""
    if not condition:
        return []
    parts = condition.get("children", []) if condition.get("type") == "CONJUNCTION_AND" else [condition]
    columns = []
    for part in parts:
        if part.get("type") != "COMPARE_EQUAL":
            continue
        for side, other in ((part.get("left"), part.get("right")), (part.get("right"), part.get("left"))):
            if side.get("class") == "COLUMN_REF" and side["column_names"][:1] == [alias] and len(side["column_names"]) == 2 \
                    and not _reads(other, alias):
                columns.append((side["column_names"][1], side, other))
    return columns


def _same_types(con, node: dict, ctes: dict, keys: list[tuple[dict, dict]]) -> bool:
    """Whether each key column and the value set equal to it have one type, as DuckDB binds
    them in this query's FROM (with the CTEs it sees), and no collation: a key compared
    with a value of another type is cast, and a cast can make two keys one ('1' and '01' as
    numbers), so more than one row could match."""
    if not keys:
        return True
    if any(_mentions_class(expr, "COLLATE") for pair in keys for expr in pair) or _collations(con):
        return False
    probe = copy.deepcopy(node)
    probe["select_list"] = [dict(expr, alias=f"v{i}") for i, expr in enumerate(expr for pair in keys for expr in pair)]
    probe["where_clause"], probe["modifiers"] = None, []
    probe["cte_map"] = {"map": [{"key": name, "value": value} for name, (_, _, value) in ctes.items()]}
    try:
        sql = con.execute("select json_deserialize_sql(?)", [json.dumps({"error": False, "statements": [{"node": probe}]})]).fetchall()[0][0]
        types = [row[1] for row in con.execute(f"describe {sql}").fetchall()]
    except (duckdb.Error, IndexError, TypeError):
        return False
    return len(types) == 2 * len(keys) and all(types[i] == types[i + 1] for i in range(0, len(types), 2))


def _collations(con) -> bool:
    """Whether any table or view of the database may compare text by a collation (a column
    declared with one, or a default): DESCRIBE shows such a column as plain VARCHAR."""
    return con.execute(
        "select count(*) > 0 or current_setting('default_collation') <> '' from "
        "(select sql from duckdb_tables() union all select sql from duckdb_views() where not internal) "
        "where sql ilike '%collate%'"
    ).fetchall()[0][0]


def _mentions_class(expr, kind: str) -> bool:
    return any(node.get("class") == kind for node in _nodes(expr))


def _reads(expr, alias: str) -> bool:
    """Whether an expression may read a column of `alias`: an unqualified name or a subquery may."""
    return any(
        node.get("class") == "SUBQUERY"
        or (node.get("class") == "COLUMN_REF" and (len(node["column_names"]) < 2 or node["column_names"][0] == alias))
        for node in _nodes(expr)
    )


_AGGREGATES = {"count", "count_star", "sum", "min", "max", "avg", "any_value", "arg_max", "arg_min", "first", "last",
               "bool_and", "bool_or", "list", "string_agg"}


def _one_row(source: dict, ctes: dict) -> bool:
    """A CTE that aggregates without GROUP BY: exactly one row."""
    inner, _ = _cte(ctes, source.get("table_name")) if not source.get("schema_name") else (None, None)
    if inner is None or inner.get("type") != "SELECT_NODE" or inner.get("group_expressions") or inner.get("group_sets") \
            or inner.get("modifiers") or inner.get("aggregate_handling") != "STANDARD_HANDLING":
        return False
    select_list = inner.get("select_list", [])
    return bool(select_list) and all(
        expr.get("class") == "FUNCTION" and expr.get("function_name", "").lower() in _AGGREGATES
        and not expr.get("distinct") and not expr.get("filter") for expr in select_list
    )


def _relation_unique(con, source: dict, columns: list[str], grains: Grains, ctes: dict, depth: int) -> bool:
    """Whether a table or CTE holds at most one row per value of its `columns`: a grain of a
    table the build tests or proves, or a CTE that has one of the shapes of grain_reason, or
    that filters such a table or CTE (`select * from it where …`)."""
    if not columns or depth > 20:
        return False
    if source.get("schema_name"):
        return any(set(table_grain) <= set(columns) for table_grain in grains.get((source["schema_name"], source["table_name"]), []))
    inner, scope = _cte(ctes, source.get("table_name"))
    if inner is None:
        return False
    behind = _filtered(inner)
    if behind is not None:
        return _relation_unique(con, behind, columns, grains, scope, depth + 1)
    return _unique_query(con, inner, columns, grains, scope, depth + 1) is not None


def _filtered(node: dict) -> dict | None:
    """The one table or CTE that `select * from it [where …]` reads, or None for any other query."""
    select_list = node.get("select_list", [])
    if not _plain_select(node) or node.get("cte_map", {}).get("map") or len(select_list) != 1:
        return None
    if not _plain_star(select_list[0]):
        return None
    source = node.get("from_table") or {}
    return source if _named_relation(source) else None


def _table_behind(source: dict, ctes: dict, depth: int = 0) -> tuple[str, str] | None:
    """(schema, table) of a table named with its schema, or behind CTEs that filter it."""
    if depth > 20 or not _named_relation(source):
        return None
    if source.get("schema_name"):
        return source["schema_name"], source["table_name"]
    inner, scope = _cte(ctes, source.get("table_name"))
    behind = None if inner is None else _filtered(inner)
    return None if behind is None else _table_behind(behind, scope, depth + 1)


def _column_type(con, table: tuple[str, str], column: str) -> str | None:
    types = con.execute(
        "select distinct data_type from duckdb_columns() where lower(schema_name) = ? and lower(table_name) = ? and lower(column_name) = ?",
        [*table, column],
    ).fetchall()
    return types[0][0] if len(types) == 1 else None


def _grouped(node: dict, grain: list[str]) -> str | None:
    groups = node["group_expressions"]
    if node.get("group_sets") != [list(range(len(groups)))] or node.get("aggregate_handling") != "STANDARD_HANDLING":
        return None
    if any(_mentions_unnest(expr) for expr in node.get("select_list", [])):
        return None
    outputs = {_output_name(expr): expr for expr in node.get("select_list", []) if expr.get("class") == "COLUMN_REF"}
    for group in groups:
        if group.get("class") != "COLUMN_REF":
            return None
        if not any(name in outputs and outputs[name]["column_names"] == group["column_names"] for name in grain):
            return None
    return f"one row per group of GROUP BY {', '.join('.'.join(g['column_names']) for g in groups)}"


def _mentions_unnest(expr) -> bool:
    return any(node.get("class") in ("SUBQUERY", "STAR") or _makes_rows(node) for node in _nodes(expr))


def _union_all_branches(node: dict) -> list[dict] | None:
    if node.get("type") == "SELECT_NODE":
        return [node]
    if node.get("type") != "SET_OPERATION_NODE" or node.get("setop_type") != "UNION" or not node.get("setop_all"):
        return None
    branches = []
    for child in node.get("children") or []:
        if child.get("cte_map", {}).get("map"):  # a WITH of its own: its names are not followed here
            return None
        found = _union_all_branches(child)
        if found is None:
            return None
        branches += found
    return branches


def _branches_unique(con, branches: list[dict], grain: list[str], grains: Grains, ctes: dict, depth: int) -> str | None:
    names = _positional_names(branches[0])
    if names is None or not set(grain) <= set(names) or len(set(grain)) != len(grain) or len(set(names)) != len(names):
        return None
    positions = [names.index(column) for column in grain]
    constants: dict[int, list[str | None]] = {position: [] for position in positions}
    columns: dict[int, set[tuple]] = {position: set() for position in positions}  # what each branch puts there
    tables = []
    for branch in branches:
        source = branch.get("from_table") or {}
        if branch.get("cte_map", {}).get("map") or not _plain_select(branch) \
                or not all(_keeps_rows(expr) for expr in branch.get("select_list", [])) or len(branch.get("select_list", [])) != len(names):
            return None
        table = _table_behind(source, ctes)
        if table is None:
            return None
        passed = set()
        for position in positions:
            expr = branch["select_list"][position]
            literal = expr.get("literal", expr.get("value")) or {}
            if expr.get("class") == "CONSTANT" and literal.get("kind") == "STRING":
                # Text only: UNION ALL casts constants to one type, where 1 and 1.0 are equal.
                constants[position].append(literal.get("text"))
                columns[position].add(("constant", "VARCHAR"))
            elif expr.get("class") == "COLUMN_REF" and len(expr["column_names"]) == 1:
                passed.add(expr["column_names"][0])
                constants[position].append(None)
                columns[position].add((table, expr["column_names"][0]))
            else:
                return None
        if not any(set(table_grain) <= passed for table_grain in grains.get(table, [])):
            return None
        tables.append(".".join(table))
    if len(branches) > 1 and not any(None not in values and len(set(values)) == len(values) for values in constants.values()):
        return None
    # One type per grain column in every branch: UNION ALL then casts none of them (a cast to a
    # wider type can make two values one, as a big integer as a double).
    for found in columns.values():
        kinds = {column if table == "constant" else _column_type(con, table, column) for table, column in found} if len(found) > 1 else {""}
        if len(kinds) != 1 or None in kinds:
            return None
    what = f"one row per row of {', '.join(sorted(set(tables)))} (whose grain is tested or proven)"
    return what if len(branches) == 1 else f"{what} in each UNION ALL branch, each naming a constant of its own"
