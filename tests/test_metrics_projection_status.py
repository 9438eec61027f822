"""Projection, status and the department view (docs/metrics.md#projection-to-go-and-status), worked out by hand.

trend: OLS of the month-end values of months 1..k against the month number, evaluated at
month 12 (fewer than 3 values: the actual); fractions clipped to [0, 1], G05 to >= 0.
For three points at months 1, 2, 3 the line is ybar + slope * (12 - 2) with
slope = (y3 - y1) / 2; for four points at 1..4 it is ybar + slope * (12 - 2.5) with
slope = sum((x - 2.5) * y) / 5.
run_rate: recent = (num - num3) / (den - den3) (the actual when den = den3),
rest = den * (12 - k) / k, projected = (num + recent * rest) / (den + rest),
required_rate = (target * (den + rest) - num) / rest.
"""

from __future__ import annotations

from pytest import approx

from metric_rows import DEPT, OTHER_DEPT, UNLINKED, at, by_department, case, complaint, counts, day, item, progress


def monthly_catalogue(snapshot: str, n: int, *, online: int, on_the_spot: int, yukuaiban: int,
                      visits: int, hall: int) -> list[dict]:
    """n licensing 依申请 items; the first `online` at depth 4 (others 2), the first
    `on_the_spot` 即办件, the first `yukuaiban` on 渝快办, the first `visits` needing one trip,
    the first `hall` in the hall with a chief representative."""
    return [
        item(
            f"I{i:02d}", snapshot,
            online_depth=4 if i < online else 2,
            handling_type="即办件" if i < on_the_spot else "承诺件",
            on_yukuaiban=i < yukuaiban,
            site_visits=1 if i < visits else 0,
            in_hall=i < hall,
            chief_rep=True,
        )
        for i in range(n)
    ]


def test_trend_projection_least_squares_over_month_ends_clipped(tiny_warehouse):
    # 20 items; per month-end (Jan, Feb, Mar, Apr):
    #   G01/G02 depth 4:  8, 4, 0, 0   -> 0.40, 0.20, 0.00, 0.00
    #   G06 即办件:       6, 7, 7, 7   -> 0.30, 0.35, 0.35, 0.35
    #   G12 渝快办:      14, 16, 18, 18 -> 0.70, 0.80, 0.90, 0.90
    #   G05 trips:      10, 9, 8, 8    -> 0.50, 0.45, 0.40, 0.40
    #   G17 hall+rep:   18, 17, 16, 16 -> 0.90, 0.85, 0.80, 0.80
    con = tiny_warehouse(items=(
        monthly_catalogue("2021-01-31", 20, online=8, on_the_spot=6, yukuaiban=14, visits=10, hall=18)
        + monthly_catalogue("2021-02-28", 20, online=4, on_the_spot=7, yukuaiban=16, visits=9, hall=17)
        + monthly_catalogue("2021-03-31", 20, online=0, on_the_spot=7, yukuaiban=18, visits=8, hall=16)
        + monthly_catalogue("2021-04-30", 20, online=0, on_the_spot=7, yukuaiban=18, visits=8, hall=16)
    ))

    g06 = progress(con, "G06")
    jan, feb, mar, apr = (g06[day(d)] for d in ("2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30"))
    assert jan["projected"] == approx(0.30)  # one value: the actual
    assert jan["status"] == "off_track"  # 0.40 - 0.30 > 0.05
    assert feb["projected"] == approx(0.35)  # two values: still the actual
    assert feb["status"] == "at_risk"  # misses 0.40 by exactly the tolerance 0.05
    # Mar: ybar = (0.30 + 0.35 + 0.35) / 3, slope = (0.35 - 0.30) / 2
    assert mar["projected"] == approx((0.30 + 0.35 + 0.35) / 3 + (0.35 - 0.30) / 2 * 10)  # 0.5833
    assert mar["met"] is False
    assert mar["status"] == "on_track"
    # Apr: ybar = 1.35 / 4 = 0.3375; slope = (-1.5*0.30 - 0.5*0.35 + 0.5*0.35 + 1.5*0.35) / 5 = 0.015
    assert apr["projected"] == approx(0.3375 + 0.015 * 9.5)  # 0.48, unclipped
    assert apr["status"] == "on_track"

    g12 = progress(con, "G12")
    # Mar: ybar 0.80 + slope 0.10 * 10 = 1.80 -> clipped to 1
    assert g12[day("2021-03-31")]["projected"] == approx(1.0)
    assert g12[day("2021-03-31")]["status"] == "on_track"
    # Apr: ybar 0.825; slope = (-1.5*0.7 - 0.5*0.8 + 0.5*0.9 + 1.5*0.9) / 5 = 0.07 -> 1.49 -> 1
    assert g12[day("2021-04-30")]["projected"] == approx(1.0)

    # G01 and G02: Mar: ybar 0.20 + slope -0.20 * 10 = -1.80 -> clipped to 0
    assert at(con, "G01", "2021-03-31")["projected"] == approx(0.0)
    assert at(con, "G02", "2021-03-31")["projected"] == approx(0.0)
    assert at(con, "G01", "2021-03-31")["status"] == "off_track"

    g05 = progress(con, "G05")
    mar5, apr5 = g05[day("2021-03-31")], g05[day("2021-04-30")]
    # Mar: ybar 0.45 + slope -0.05 * 10 = -0.05 -> G05 is clipped at 0
    assert mar5["projected"] == approx(0.0)
    assert mar5["actual"] == approx(8 / 20)
    assert mar5["to_go"] == 2  # 8 trips - floor(0.3 * 20)
    assert mar5["status"] == "on_track"
    # Apr: ybar 0.4375; slope = (-1.5*0.5 - 0.5*0.45 + 0.5*0.4 + 1.5*0.4) / 5 = -0.035 -> 0.105
    assert apr5["projected"] == approx(0.4375 - 0.035 * 9.5)
    assert apr5["status"] == "on_track"

    g17 = progress(con, "G17")
    # Mar: 0.85 - 0.05 * 10 = 0.35; Apr: ybar 0.8375, slope -0.035 -> 0.505
    assert g17[day("2021-03-31")]["projected"] == approx(0.35)
    assert g17[day("2021-04-30")]["projected"] == approx(0.8375 - 0.035 * 9.5)
    assert g17[day("2021-04-30")]["status"] == "off_track"


def test_run_rate_projection_uses_the_month_end_three_months_earlier(tiny_warehouse):
    # December 2020: 5 accepted cases, none checked, 1 postal (G20 baseline 1/5 = 0.2).
    cases = [case(f"P{n}", f"2020-12-0{n + 1}", credit_checked=False, postal=n == 0) for n in range(5)]
    # 2021, 10 accepted cases a month, January to May: credit-checked 10, 10, 8, 6, 10;
    # postal 10, 10, 10, 0, 0. None from June on; a catalogue on 31 Aug ends the data.
    checked = {1: 10, 2: 10, 3: 8, 4: 6, 5: 10}
    postal = {1: 10, 2: 10, 3: 10, 4: 0, 5: 0}
    for month in range(1, 6):
        cases += [
            case(f"M{month}-{n}", f"2021-0{month}-1{n}", credit_checked=n < checked[month], postal=n < postal[month])
            for n in range(10)
        ]
    con = tiny_warehouse(items=[item("A1", "2021-08-31")], cases=cases)
    g16 = progress(con, "G16")

    jan = g16[day("2021-01-31")]  # (10, 10)
    assert jan["projected"] == approx(1.0)
    assert jan["required_rate"] == approx((1.0 * (10 + 110) - 10) / 110)  # rest = 10 * 11 / 1
    assert jan["met"] is True
    assert jan["status"] == "on_track"  # met today; before the deadline never "achieved"

    mar = g16[day("2021-03-31")]  # (28, 30); three months earlier is 31 Dec 2020: counts as 0, not 2020's
    assert counts(mar) == (28, 30)
    # recent = 28/30, rest = 30 * 9 / 3 = 90, projected = (28 + 84) / 120
    assert mar["recent_rate"] == approx(28 / 30)
    assert mar["projected"] == approx((28 + 28 / 30 * 90) / 120)
    assert mar["required_rate"] == approx((120 - 28) / 90)  # above 1: out of reach
    assert mar["to_go"] == 2
    assert mar["status"] == "off_track"  # 1 - 0.9333 > 0.05

    apr = g16[day("2021-04-30")]  # (34, 40); 31 Jan: (10, 10)
    assert counts(apr) == (34, 40)
    # recent = (34 - 10) / (40 - 10) = 0.8, rest = 40 * 8 / 4 = 80, projected = (34 + 64) / 120
    assert apr["recent_rate"] == approx(0.8)
    assert apr["projected"] == approx((34 + 0.8 * 80) / 120)
    assert apr["required_rate"] == approx((120 - 34) / 80)

    may = g16[day("2021-05-31")]  # (44, 50); 28 Feb: (20, 20)
    # recent = 24 / 30, rest = 50 * 7 / 5 = 70, projected = (44 + 56) / 120
    assert may["projected"] == approx((44 + 24 / 30 * 70) / 120)
    assert may["required_rate"] == approx((120 - 44) / 70)

    aug = g16[day("2021-08-31")]  # (44, 50); 31 May: (44, 50): den = den3, recent = the actual
    assert counts(aug) == (44, 50)
    # rest = 50 * 4 / 8 = 25, projected = (44 + 0.88 * 25) / 75 = 0.88
    assert aug["recent_rate"] == approx(44 / 50)
    assert aug["projected"] == approx((44 + 44 / 50 * 25) / 75)
    assert aug["required_rate"] == approx((1.0 * 75 - 44) / 25)

    g20 = at(con, "G20", "2021-06-30")  # (30, 50); 31 Mar: (30, 30)
    assert g20["target"] == approx(1 / 5)
    assert counts(g20) == (30, 50)
    assert g20["met"] is True  # 0.6 > 0.2
    assert g20["status"] == "on_track"  # the projection 0.3 > 0.2 (worked out below)
    # recent = (30 - 30) / (50 - 30) = 0, rest = 50 * 6 / 6 = 50, projected = 30 / 100
    assert g20["recent_rate"] == approx(0.0)
    assert g20["projected"] == approx((30 + 0 * 50) / 100)
    # (0.2 * 100 - 30) / 50 = -0.2: below 0, the goal is already assured
    assert g20["required_rate"] == approx((0.2 * 100 - 30) / 50)


def test_status_at_the_deadline_is_achieved_or_missed(tiny_warehouse):
    # One snapshot, dated 31 Dec 2021: 25 licensing 依申请 items; depth 4: 20, 即办件: 10,
    # 渝快办: 24, trips: 8 items need one, hall + chief representative: 25.
    con = tiny_warehouse(
        items=monthly_catalogue("2021-12-31", 25, online=20, on_the_spot=10, yukuaiban=24, visits=8, hall=25),
        complaints=[
            complaint("K1", "2021-12-20 09:00", "2021-12-21 09:00"),  # done
            complaint("K2", "2021-12-30 09:00"),  # deadline Fri 31 Dec: due, not done
            complaint("K3", "2021-12-31 09:00"),  # deadline Tue 4 Jan 2022: not due
        ],
    )
    g01 = progress(con, "G01")
    assert len(g01) == 12
    # No snapshot on or before any month-end but the last: no catalogue, no data.
    assert [row["status"] for row in g01.values()] == ["no_data"] * 11 + ["achieved"]

    dec = "2021-12-31"
    assert counts(at(con, "G01", dec)) == (20, 25)  # 0.80 >= 0.80
    assert at(con, "G02", dec)["status"] == "achieved"  # 0.80 >= 0.70
    assert at(con, "G06", dec)["status"] == "achieved"  # 10/25 = 0.40
    assert at(con, "G17", dec)["status"] == "achieved"  # 25/25

    g12 = at(con, "G12", dec)  # 24/25 = 0.96: within the tolerance, but the deadline has come
    assert counts(g12) == (24, 25)
    assert g12["to_go"] == 1
    assert g12["status"] == "missed"

    g05 = at(con, "G05", dec)  # 8/25 = 0.32 > 0.3
    assert g05["to_go"] == 1  # 8 - floor(0.3 * 25) = 8 - 7
    assert g05["status"] == "missed"

    g03 = at(con, "G03", dec)  # due K1, K2; done K1
    assert counts(g03) == (1, 2)
    assert g03["projected"] == approx(1 / 2)  # k = 12: rest = 0
    assert g03["required_rate"] is None
    assert g03["status"] == "missed"


def test_goal_values_by_department(tiny_warehouse):
    # Catalogue: A1 and A2 in 医政医管科 (A2 only at depth 2), B1 in 疾控科.
    con = tiny_warehouse(
        items=[
            item("A1", "2021-01-31"),
            item("A2", "2021-01-31", online_depth=2),
            item("B1", "2021-01-31", department=OTHER_DEPT),
        ],
        complaints=[
            complaint("K1", "2021-01-04 09:00", "2021-01-04 11:00", item_code="A1"),
            complaint("K2", "2021-01-04 09:00", None, item_code="B1"),
            complaint("K3", "2021-01-04 09:00", None, item_code="Z9"),  # item not in the catalogue
            complaint("K4", "2021-01-04 09:00", "2021-01-05 09:00", item_code=None),  # no item
        ],
        cases=[
            case("C1", "2021-01-05", item_code="A1", credit_checked=True),
            case("C2", "2021-01-06", item_code="Z9", credit_checked=False),
        ],
    )
    d = "2021-01-31"

    g02 = by_department(con, "G02", d)
    assert set(g02) == {DEPT, OTHER_DEPT}
    assert counts(g02[DEPT]) == (1, 2)
    assert g02[DEPT]["to_go"] == 1  # ceil(0.7 * 2) - 1
    assert g02[DEPT]["status"] == "off_track"
    assert counts(g02[OTHER_DEPT]) == (1, 1)
    assert g02[OTHER_DEPT]["met"] is True
    assert g02[OTHER_DEPT]["status"] == "on_track"  # one value: projected = actual = 1.0 >= 0.7
    assert counts(at(con, "G02", d)) == (2, 3)  # the commission: the sum

    g03 = by_department(con, "G03", d)  # all due (deadline 5 Jan)
    assert counts(g03[DEPT]) == (1, 1)
    assert counts(g03[OTHER_DEPT]) == (0, 1)
    assert counts(g03[UNLINKED]) == (1, 2)  # K3 and K4
    assert counts(at(con, "G03", d)) == (2, 4)

    g16 = by_department(con, "G16", d)
    assert counts(g16[DEPT]) == (1, 1)
    assert counts(g16[UNLINKED]) == (0, 1)
    assert g16[UNLINKED]["to_go"] == 1

    # The departments holding a goal back, and in which order (the goal tab and the report):
    # not met today, with a count that could still meet it; most to go, then the largest gap.
    assert (g02[DEPT]["holds_back"], g02[DEPT]["holding_back_rank"]) == (True, 1)
    assert (g02[OTHER_DEPT]["holds_back"], g02[OTHER_DEPT]["holding_back_rank"]) == (False, None)  # met
    # G03: 疾控科 0/1 and 未关联事项 1/2 each have 1 to go; 疾控科 is further off (gap 1.0 > 0.5).
    assert [g03[d]["holding_back_rank"] for d in (OTHER_DEPT, UNLINKED, DEPT)] == [1, 2, None]


def test_met_today_is_not_achieved_and_december_projects_the_actual(tiny_warehouse):
    # 20 items, depth 4 at the month-ends Jan..Nov: 18, 17, 16, ..., 8 (0.90 falling by 0.05),
    # then 10 in December. G01 (>= 0.80) is met today from Jan to Mar, but its line falls: off
    # track, never achieved.
    online = {month: 19 - month for month in range(1, 12)} | {12: 10}
    ends = ["2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30", "2021-05-31", "2021-06-30",
            "2021-07-31", "2021-08-31", "2021-09-30", "2021-10-31", "2021-11-30", "2021-12-31"]
    con = tiny_warehouse(items=[
        row
        for month, end in enumerate(ends, start=1)
        for row in monthly_catalogue(end, 20, online=online[month], on_the_spot=8, yukuaiban=20, visits=0, hall=20)
    ])
    g01 = progress(con, "G01")
    jan, feb, mar = (g01[day(d)] for d in ends[:3])
    assert jan["met"] is True and jan["projected"] == approx(0.90)  # one value: the actual
    assert jan["status"] == "on_track"
    assert feb["met"] is True and feb["projected"] == approx(0.85)  # two values: the actual
    assert feb["status"] == "on_track"
    # Mar: three values 0.90, 0.85, 0.80 (met today, exactly): ybar 0.85 + slope -0.05 * 10 = 0.35
    assert mar["met"] is True
    assert mar["projected"] == approx(0.35)
    assert mar["status"] == "off_track"  # met today, but the projection misses by 0.45

    nov = g01[day("2021-11-30")]  # the line fitted through 11 values, evaluated at month 12
    assert nov["projected"] == approx(0.90 - 0.05 * 11)
    dec = g01[day("2021-12-31")]
    assert dec["actual"] == approx(10 / 20)
    # The line through all twelve values would give ybar + slope * 5.5, not the actual:
    values = [online[m] / 20 for m in range(1, 13)]
    slope = sum((m - 6.5) * v for m, v in zip(range(1, 13), values)) / sum((m - 6.5) ** 2 for m in range(1, 13))
    assert sum(values) / 12 + slope * 5.5 != approx(0.5)
    assert dec["projected"] == approx(0.5)  # in December the year's value is known: the actual
    assert dec["status"] == "missed"

    # G06 (>= 0.40) stays at 8/20 all year: met today every month, achieved only at the deadline.
    g06 = progress(con, "G06")
    assert [g06[day(d)]["status"] for d in ends] == ["on_track"] * 11 + ["achieved"]
    assert all(g06[day(d)]["met"] for d in ends)
