"""The raw data contract (docs/data.md) as code.

One place names every raw table, its key and its column types, so the generator, the
build's input checks, the tests' fixtures and any importer agree on what lands in
`data/raw/<table>/*.parquet`.
"""

from __future__ import annotations

import polars as pl

RAW_TABLES: dict[str, dict[str, pl.DataType]] = {
    "items": {
        "snapshot_date": pl.Date(),
        "item_code": pl.String(),
        "item_name": pl.String(),
        "category": pl.String(),
        "on_application": pl.Boolean(),
        "department": pl.String(),
        "statutory_days": pl.Int32(),
        "promised_days": pl.Int32(),
        "handling_type": pl.String(),
        "online_depth": pl.Int32(),
        "site_visits": pl.Int32(),
        "on_yukuaiban": pl.Boolean(),
        "in_hall": pl.Boolean(),
        "chief_rep": pl.Boolean(),
        "high_frequency": pl.Boolean(),
        "cross_province_planned": pl.Boolean(),
        "cross_province_live": pl.Boolean(),
        "chuanyu_batch": pl.Int32(),
        "chuanyu_live": pl.Boolean(),
        "notify_commit": pl.Boolean(),
    },
    "one_thing_packages": {
        "snapshot_date": pl.Date(),
        "package_code": pl.String(),
        "package_name": pl.String(),
        "high_frequency": pl.Boolean(),
        "one_notice": pl.Boolean(),
        "one_form": pl.Boolean(),
        "one_window": pl.Boolean(),
        "one_completion": pl.Boolean(),
        "item_codes": pl.String(),
    },
    "cases": {
        "case_id": pl.String(),
        "item_code": pl.String(),
        "applicant_type": pl.String(),
        "channel": pl.String(),
        "township": pl.String(),
        "submitted_at": pl.Datetime("us"),
        "accepted_at": pl.Datetime("us"),
        "completed_at": pl.Datetime("us"),
        "status": pl.String(),
        "suspended_days": pl.Int32(),
        "site_visits": pl.Int32(),
        "fully_online": pl.Boolean(),
        "cross_province_mode": pl.String(),
        "chuanyu": pl.Boolean(),
        "credit_checked": pl.Boolean(),
        "credit_commitment": pl.Boolean(),
        "assisted_channel": pl.String(),
        "elderly": pl.Boolean(),
        "postal": pl.Boolean(),
    },
    "reviews": {
        "review_id": pl.String(),
        "case_id": pl.String(),
        "item_code": pl.String(),
        "channel": pl.String(),
        "rating": pl.Int32(),
        "reviewed_at": pl.Datetime("us"),
        "real_name": pl.Boolean(),
        "reported_at": pl.Datetime("us"),
        "verified_at": pl.Datetime("us"),
        "verified_result": pl.String(),
        "rectified_at": pl.Datetime("us"),
        "followed_up_at": pl.Datetime("us"),
        "comment": pl.String(),
    },
    "complaints": {
        "complaint_id": pl.String(),
        "source": pl.String(),
        "item_code": pl.String(),
        "assigned_at": pl.Datetime("us"),
        "responded_at": pl.Datetime("us"),
        "resolved_at": pl.Datetime("us"),
        "content": pl.String(),
    },
    "decisions": {
        "decision_id": pl.String(),
        "decision_type": pl.String(),
        "case_id": pl.String(),
        "item_code": pl.String(),
        "decided_at": pl.Datetime("us"),
        "published_at": pl.Datetime("us"),
    },
}

RAW_KEYS: dict[str, tuple[str, ...]] = {
    "items": ("snapshot_date", "item_code"),
    "one_thing_packages": ("snapshot_date", "package_code"),
    "cases": ("case_id",),
    "reviews": ("review_id",),
    "complaints": ("complaint_id",),
    "decisions": ("decision_id",),
}

# Columns that must hold a value in every row besides the key: the time a record's metrics are
# counted from, and a review's rating.
REQUIRED: dict[str, tuple[str, ...]] = {
    "cases": ("submitted_at",),
    "reviews": ("reviewed_at", "rating"),
    "complaints": ("assigned_at",),
    "decisions": ("decided_at",),
}

# Counts of days or visits: whole numbers, never negative.
COUNTS: dict[str, tuple[str, ...]] = {
    "items": ("statutory_days", "promised_days", "site_visits"),
    "cases": ("suspended_days", "site_visits"),
}

# Integer columns with a closed range of values.
RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("reviews", "rating"): (1, 5),
    ("items", "online_depth"): (0, 4),
}

# Text columns that name one record each (a key, or the case a review or decision is about):
# nearly every value differs. The raw check reads these and free text row by row; any other
# text column (codes, catalogue items, townships, names) repeats a few values over millions of
# rows, and is read value by value.
RECORD_IDS: dict[str, tuple[str, ...]] = {
    "cases": ("case_id",),
    "reviews": ("review_id", "case_id"),
    "complaints": ("complaint_id",),
    "decisions": ("decision_id", "case_id"),
}

# Free text written by people (already masked for personal data): line breaks and tabs are
# allowed here, in no other text column.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "reviews": ("comment",),
    "complaints": ("content",),
}


def empty_frame(table: str) -> pl.DataFrame:
    """An empty frame with the contract's columns and types for `table`."""
    return pl.DataFrame(schema=RAW_TABLES[table])


def frame(table: str, rows: list[dict]) -> pl.DataFrame:
    """Rows (dicts; missing columns become null) as a frame typed by the contract."""
    schema = RAW_TABLES[table]
    unknown = {key for row in rows for key in row} - set(schema)
    if unknown:
        raise ValueError(f"{table}: columns not in the contract: {sorted(unknown)}")
    return pl.DataFrame(
        [{col: row.get(col) for col in schema} for row in rows], schema=schema, orient="row"
    )


# Parquet key-value metadata naming who wrote a raw file: the demo generator stamps "demo",
# so the app can say its figures are generated (meta.raw_files.origin).
ORIGIN_KEY = "qjgov.origin"

# Coded columns and the code list of seeds/codes.csv they take their values from.
CODE_LISTS: dict[tuple[str, str], str] = {
    ("items", "category"): "category",
    ("items", "handling_type"): "handling_type",
    ("cases", "applicant_type"): "applicant_type",
    ("cases", "channel"): "case_channel",
    ("cases", "status"): "case_status",
    ("cases", "cross_province_mode"): "cross_province_mode",
    ("cases", "assisted_channel"): "assisted_channel",
    ("reviews", "channel"): "review_channel",
    ("reviews", "verified_result"): "verified_result",
    ("complaints", "source"): "complaint_source",
    ("decisions", "decision_type"): "decision_type",
}
