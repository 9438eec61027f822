"""Catalogue goals (G01, G02, G05, G06, G11, G12, G13, G14, G17, G18), worked out by hand.

Each test builds a tiny warehouse from a few catalogue rows and checks marts.goal_progress
against counts written down in the test (docs/metrics.md: building blocks, the goals, projection). The catalogue as of D is
the snapshot with the greatest snapshot_date <= D; no such snapshot means no_data.
"""

from __future__ import annotations

from pytest import approx

from metric_rows import at, complaint, counts, day, item, package, progress


def test_g01_licensing_items_fully_online_use_the_catalogue_as_of_each_date(tiny_warehouse):
    # Snapshots on 10 Feb and 31 Mar only; a complaint on 15 Jan makes 31 Jan an as-of date.
    # LIC = category 行政许可; a 公共服务 item that is fully online is not in G01.
    def catalogue(snapshot, depths):
        rows = [item(f"L{n}", snapshot, online_depth=depth) for n, depth in enumerate(depths, start=1)]
        return rows + [item("S1", snapshot, category="公共服务", online_depth=4)]

    con = tiny_warehouse(
        items=catalogue("2021-02-10", [4, 4, 4, 3, 2]) + catalogue("2021-03-31", [4, 4, 4, 4, 2]),
        complaints=[complaint("K1", "2021-01-15", "2021-01-15")],
    )
    rows = progress(con, "G01")
    # Month-ends up to the last data date (31 Mar); 10 Feb is neither a month-end nor the last date.
    assert list(rows) == [day("2021-01-31"), day("2021-02-28"), day("2021-03-31")]

    jan = rows[day("2021-01-31")]  # no snapshot on or before 31 Jan
    assert jan["status"] == "no_data"
    assert jan["actual"] is None

    feb = rows[day("2021-02-28")]  # the 10 Feb snapshot; the 31 Mar one is not known yet
    assert counts(feb) == (3, 5)
    assert feb["actual"] == approx(3 / 5)
    assert feb["target"] == approx(0.80)
    assert feb["met"] is False
    assert feb["to_go"] == 1  # ceil(0.8 * 5) - 3
    assert feb["projected"] == approx(3 / 5)  # one month-end value: the projection is the actual
    assert feb["status"] == "off_track"  # 0.80 - 0.60 = 0.20 > tolerance 0.05

    mar = rows[day("2021-03-31")]
    assert counts(mar) == (4, 5)
    assert mar["met"] is True
    assert mar["to_go"] == 0
    assert mar["projected"] == approx(4 / 5)  # two month-end values (Feb, Mar): the actual
    assert mar["status"] == "on_track"  # met today; "achieved" waits for the deadline


def test_g02_application_items_fully_online(tiny_warehouse):
    # 10 依申请 items, 5 of them at depth 4; two 行政处罚 items (not 依申请) at depth 4 stay out.
    rows = [item(f"P{n}", category="公共服务", online_depth=4 if n < 5 else 3) for n in range(10)]
    rows += [item(f"X{n}", category="行政处罚", on_application=False, online_depth=4) for n in range(2)]
    con = tiny_warehouse(items=rows)

    row = at(con, "G02", "2021-01-31")
    assert counts(row) == (5, 10)
    assert row["actual"] == approx(5 / 10)
    assert row["target"] == approx(0.70)
    # ceil(0.7 * 10) - 5 = 7 - 5
    assert row["to_go"] == 2
    assert row["met"] is False
    assert row["status"] == "off_track"  # 0.70 - 0.50 = 0.20 > 0.05


def test_g05_average_site_visits_over_application_items(tiny_warehouse):
    # January: 10 依申请 items needing 0,0,0,0,0,0,0,1,1,2 trips (sum 4); a 行政检查 item
    # (not 依申请) needing 5 trips stays out. February: 0 x 8, 1, 1 (sum 2).
    jan_visits = [0, 0, 0, 0, 0, 0, 0, 1, 1, 2]
    feb_visits = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    rows = [item(f"P{n}", "2021-01-31", site_visits=v) for n, v in enumerate(jan_visits)]
    rows += [item(f"P{n}", "2021-02-28", site_visits=v) for n, v in enumerate(feb_visits)]
    rows += [item("X1", s, category="行政检查", on_application=False, site_visits=5) for s in ("2021-01-31", "2021-02-28")]
    con = tiny_warehouse(items=rows)

    jan = at(con, "G05", "2021-01-31")
    assert counts(jan) == (4, 10)  # numerator: trips summed over |APP|
    assert jan["actual"] == approx(4 / 10)
    assert jan["target"] == approx(0.3)
    assert jan["comparator"] == "<="
    assert jan["met"] is False
    assert jan["to_go"] == 1  # 4 trips - floor(0.3 * 10) = 4 - 3 trips to remove
    assert jan["projected"] == approx(0.4)
    assert jan["status"] == "off_track"  # 0.4 - 0.3 = 0.1 > 0.05

    feb = at(con, "G05", "2021-02-28")
    assert counts(feb) == (2, 10)
    assert feb["actual"] == approx(2 / 10)
    assert feb["met"] is True
    assert feb["to_go"] == 0  # max(0, 2 - 3)
    assert feb["projected"] == approx(0.2)  # two month-end values: the actual
    assert feb["status"] == "on_track"  # met today; before the deadline the projection decides


def test_g06_share_of_on_the_spot_items(tiny_warehouse):
    # January: 2 of 5 依申请 items are 即办件 (exactly 40 %); February: 1 of 5.
    # A 即办件 item that is not 依申请 is out of the denominator and the numerator.
    def catalogue(snapshot, on_the_spot):
        rows = [
            item(f"P{n}", snapshot, handling_type="即办件" if n < on_the_spot else "承诺件",
                 promised_days=0 if n < on_the_spot else 5)
            for n in range(5)
        ]
        return rows + [item("X1", snapshot, category="行政检查", on_application=False, handling_type="即办件", promised_days=0)]

    con = tiny_warehouse(items=catalogue("2021-01-31", 2) + catalogue("2021-02-28", 1))

    jan = at(con, "G06", "2021-01-31")
    assert counts(jan) == (2, 5)
    assert jan["actual"] == approx(0.4)
    assert jan["met"] is True  # >= 0.40 holds at equality
    assert jan["to_go"] == 0
    assert jan["projected"] == approx(0.4)  # one value: the actual, which meets 0.40 at equality
    assert jan["status"] == "on_track"

    feb = at(con, "G06", "2021-02-28")
    assert counts(feb) == (1, 5)
    assert feb["to_go"] == 1  # ceil(0.4 * 5) - 1
    assert feb["projected"] == approx(1 / 5)  # two month-end values: still the actual
    assert feb["status"] == "off_track"  # 0.40 - 0.20 > 0.05


def test_g11_high_frequency_packages_fully_integrated(tiny_warehouse):
    # Package snapshots on 28 Feb and 15 Mar; a complaint on 10 Jan makes 31 Jan an as-of date.
    # 28 Feb: P1 has all four, P2 lacks 一表申报, P3 (all four) is not high-frequency.
    # 15 Mar: P2 has all four too.
    con = tiny_warehouse(
        items=[item("A1", "2021-02-28")],
        one_thing_packages=[
            package("P1", "2021-02-28", "A1|A2"),
            package("P2", "2021-02-28", "Z9|A1", one_form=False),
            package("P3", "2021-02-28", "A1", high_frequency=False),
            package("P1", "2021-03-15", "A1|A2"),
            package("P2", "2021-03-15", "Z9|A1"),
            package("P3", "2021-03-15", "A1", high_frequency=False),
        ],
        complaints=[complaint("K1", "2021-01-10", "2021-01-11")],
    )
    rows = progress(con, "G11")
    assert list(rows) == [day("2021-01-31"), day("2021-02-28"), day("2021-03-15")]

    assert rows[day("2021-01-31")]["status"] == "no_data"  # no package snapshot on or before 31 Jan

    feb = rows[day("2021-02-28")]
    assert counts(feb) == (1, 2)
    assert feb["actual"] == approx(1 / 2)
    assert feb["to_go"] == 1  # = 1.00: den - num
    assert feb["status"] == "off_track"

    mar = rows[day("2021-03-15")]
    assert counts(mar) == (2, 2)
    assert mar["to_go"] == 0
    assert mar["met"] is True
    assert mar["projected"] == approx(1.0)  # two values (Feb, 15 Mar): the actual
    assert mar["status"] == "on_track"


def test_g12_licensing_items_on_yukuaiban(tiny_warehouse):
    # 4 licensing items, 3 on 渝快办; a 公共服务 item not on 渝快办 is not a licensing item.
    rows = [item(f"L{n}", on_yukuaiban=n < 3) for n in range(4)]
    rows.append(item("S1", category="公共服务", on_yukuaiban=False))
    con = tiny_warehouse(items=rows)

    row = at(con, "G12", "2021-01-31")
    assert counts(row) == (3, 4)
    assert row["actual"] == approx(3 / 4)
    assert row["target"] == approx(1.0)
    assert row["to_go"] == 1  # 4 - 3
    assert row["met"] is False
    assert row["status"] == "off_track"  # 1.00 - 0.75 > 0.05


def test_g13_cross_province_items_live(tiny_warehouse):
    # Planned: X1 (live), X2 (live; a 行政处罚 item, any category counts), X3 (not live).
    # X4 is live but not on the 跨省通办 list: out of both counts.
    con = tiny_warehouse(items=[
        item("X1", cross_province_planned=True, cross_province_live=True),
        item("X2", category="行政处罚", on_application=False, cross_province_planned=True, cross_province_live=True),
        item("X3", cross_province_planned=True, cross_province_live=False),
        item("X4", cross_province_planned=False, cross_province_live=True),
    ])

    row = at(con, "G13", "2021-01-31")
    assert counts(row) == (2, 3)
    assert row["actual"] == approx(2 / 3)
    assert row["to_go"] == 1
    assert row["status"] == "off_track"


def test_g14_second_chuanyu_batch_live(tiny_warehouse):
    # Batch 2: Y1 live, Y2 and Y3 not; Y4 (batch 1, live) and Y5 (no batch, live) stay out.
    con = tiny_warehouse(items=[
        item("Y1", chuanyu_batch=2, chuanyu_live=True),
        item("Y2", chuanyu_batch=2, chuanyu_live=False),
        item("Y3", chuanyu_batch=2, chuanyu_live=False),
        item("Y4", chuanyu_batch=1, chuanyu_live=True),
        item("Y5", chuanyu_batch=None, chuanyu_live=True),
    ])

    row = at(con, "G14", "2021-01-31")
    assert counts(row) == (1, 3)
    assert row["actual"] == approx(1 / 3)
    assert row["to_go"] == 2
    assert row["status"] == "off_track"


def test_g17_application_items_in_the_hall_with_a_chief_representative(tiny_warehouse):
    # 依申请 items (in_hall, chief_rep): (T,T), (T,F), (F,T), (T,T) -> 2 of 4.
    # A 行政检查 item with neither is not 依申请 and stays out.
    con = tiny_warehouse(items=[
        item("H1", in_hall=True, chief_rep=True),
        item("H2", in_hall=True, chief_rep=False),
        item("H3", in_hall=False, chief_rep=True),
        item("H4", in_hall=True, chief_rep=True),
        item("X1", category="行政检查", on_application=False, in_hall=False, chief_rep=False),
    ])

    row = at(con, "G17", "2021-01-31")
    assert counts(row) == (2, 4)
    assert row["actual"] == approx(2 / 4)
    assert row["to_go"] == 2
    assert row["status"] == "off_track"


def test_g18_online_capable_share_must_beat_last_years_value(tiny_warehouse):
    # Baseline (31 Dec 2020 snapshot): depths 4, 3, 2, 1 -> 2 of 4 at depth >= 3 = 0.5.
    # 31 Jan: depths 4, 3, 3, 2, 1, 0 -> 3 of 6 = 0.5 (equal: not strictly greater).
    # 28 Feb: depths 4, 3, 3, 3, 1, 0 -> 4 of 6.
    # Each snapshot also has a 行政处罚 item at depth 4, which is not 依申请.
    def catalogue(snapshot, depths):
        rows = [item(f"B{n}", snapshot, online_depth=depth) for n, depth in enumerate(depths)]
        return rows + [item("X1", snapshot, category="行政处罚", on_application=False, online_depth=4)]

    con = tiny_warehouse(items=(
        catalogue("2020-12-31", [4, 3, 2, 1])
        + catalogue("2021-01-31", [4, 3, 3, 2, 1, 0])
        + catalogue("2021-02-28", [4, 3, 3, 3, 1, 0])
    ))
    rows = progress(con, "G18")
    assert list(rows) == [day("2021-01-31"), day("2021-02-28")]  # the baseline date is not in the mart

    jan = rows[day("2021-01-31")]
    assert jan["target"] == approx(2 / 4)
    assert jan["comparator"] == ">"
    assert counts(jan) == (3, 6)
    assert jan["met"] is False  # 0.5 is not strictly greater than 0.5
    assert jan["to_go"] == 1  # floor(0.5 * 6) + 1 - 3
    assert jan["projected"] == approx(0.5)
    assert jan["status"] == "at_risk"  # the projection misses by 0 <= 0.05

    feb = rows[day("2021-02-28")]
    assert feb["target"] == approx(2 / 4)
    assert counts(feb) == (4, 6)
    assert feb["met"] is True
    assert feb["to_go"] == 0  # max(0, floor(0.5 * 6) + 1 - 4)
    assert feb["projected"] == approx(4 / 6)  # two month-end values: the actual
    assert feb["status"] == "on_track"  # met today; before the deadline the projection decides
