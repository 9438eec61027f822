"""Case-based goals (G04, G07, G16, G19, G20, G21), worked out by hand.

Year to date = records whose start date lies in [1 Jan 2021, D]. Baseline goals (G07, G19,
G20, G21) compare with the same metric as of 31 Dec 2020 (the 2020 year to date) and are met
only when strictly greater; to_go = max(0, floor(b * den) + 1 - num).
Working days are the official calendar's: 2021-02-07 (Sunday) and 2021-02-20 (Saturday) are
workdays, 2021-02-11..17 is the Spring Festival holiday.
"""

from __future__ import annotations

from pytest import approx

from metric_rows import DEPT, at, by_department, case, counts, day, item, progress, review


def test_g04_mean_over_items_of_the_reduction_against_statutory_days(tiny_warehouse):
    # Catalogue: one snapshot, 28 Feb. Nothing is known as of 31 Jan.
    catalogue = [
        item("A", "2021-02-28", statutory_days=20),
        item("B", "2021-02-28", statutory_days=10),
        item("C", "2021-02-28", statutory_days=None),  # no statutory limit: left out
        item("E", "2021-02-28", category="行政处罚", on_application=False, statutory_days=10),  # not 依申请
        item("F", "2021-02-28", statutory_days=10),
        item("G", "2021-02-28", statutory_days=10),
    ]
    cases = [
        # A1: workdays after Fri 5 Feb up to Fri 19 Feb: 7 (Sun, 调休), 8, 9, 10, 18, 19 = 6.
        case("A1", "2021-02-05 10:00", "2021-02-19 16:00", item_code="A"),
        # A2: wd_between(1 Feb, 3 Feb) = 2, less 5 suspended days -> max(0, -3) = 0.
        case("A2", "2021-02-01 10:00", "2021-02-03 10:00", item_code="A", suspended_days=5),
        # B1: workdays 23, 24, 25, 26 Feb = 4, less 1 suspended day = 3.
        case("B1", "2021-02-22 10:00", "2021-02-26 10:00", item_code="B", suspended_days=1),
        case("C1", "2021-02-01", "2021-02-05", item_code="C"),
        case("E1", "2021-02-01", "2021-02-10", item_code="E"),
        # F1 completes on 2 Mar (after 28 Feb): wd_between(1 Mar, 2 Mar) = 1.
        case("F1", "2021-03-01 10:00", "2021-03-02 10:00", item_code="F"),
        case("F2", "2021-02-01", None, item_code="F"),  # still 在办
        case("F3", "2021-02-01", "2021-02-02", item_code="F", status="不予受理"),  # not 办结
        case("G1", "2020-12-21", "2020-12-28", item_code="G"),  # completed in 2020: not year to date
        case("Z1", "2021-02-01", "2021-02-20", item_code="Z9"),  # item not in the catalogue
    ]
    con = tiny_warehouse(items=catalogue, cases=cases)
    rows = progress(con, "G04")
    # Month-ends up to the last data date (2 Mar) and 2 Mar itself; not the 2020 baseline date.
    assert list(rows) == [day("2021-01-31"), day("2021-02-28"), day("2021-03-02")]

    assert rows[day("2021-01-31")]["status"] == "no_data"

    feb = rows[day("2021-02-28")]
    # A: mean(6, 0) = 3 days -> 1 - 3/20 = 0.85; B: 1 - 3/10 = 0.70; the goal is the mean over items.
    assert feb["actual"] == approx((0.85 + 0.70) / 2)  # 0.775 (case-weighted would be 1 - 9/50 = 0.82)
    assert feb["numerator"] is None
    assert feb["denominator"] is None
    assert feb["to_go"] is None
    assert feb["met"] is False
    assert feb["projected"] == approx(0.775)  # one month-end value
    assert feb["status"] == "at_risk"  # 0.80 - 0.775 = 0.025 <= 0.05
    # The items holding G04 back are those whose reduction is short of the target (the list).
    meets = dict(con.sql("select item_code, meets from marts.item_handling_time where as_of = '2021-02-28'").fetchall())
    assert meets == {"A": True, "B": False}

    mar = rows[day("2021-03-02")]
    # F joins: 1 - 1/10 = 0.90; (0.85 + 0.70 + 0.90) / 3 = 0.8167 >= 0.80
    assert mar["actual"] == approx((0.85 + 0.70 + 0.90) / 3)
    assert mar["met"] is True  # met today, but the year is not won before the deadline
    assert mar["projected"] == approx(mar["actual"])  # two values (Feb, 2 Mar): fewer than 3, the actual
    assert mar["status"] == "on_track"


def test_g04_counts_stay_empty_even_without_any_completed_case(tiny_warehouse):
    # A catalogue but no cases at all: G04 has no value (no_data), and its numerator and
    # denominator are "left empty" (docs/metrics.md#g04-handling-time) like at every other date.
    con = tiny_warehouse(items=[item("A", "2021-01-31")])
    row = at(con, "G04", "2021-01-31")
    assert row["status"] == "no_data"
    assert row["to_go"] is None
    assert row["numerator"] is None
    assert row["denominator"] is None


def test_g04_items_slower_than_the_statutory_limit_reduce_the_mean(tiny_warehouse):
    # Item A (limit 20): 2 Mar -> 3 Mar is 1 workday: reduction 1 - 1/20 = 0.95.
    # Item H (limit 2): 1 Mar -> 8 Mar is 5 workdays (2, 3, 4, 5, 8 Mar): reduction 1 - 5/2 = -1.5.
    con = tiny_warehouse(
        items=[item("A", "2021-03-31", statutory_days=20), item("H", "2021-03-31", statutory_days=2)],
        cases=[
            case("A1", "2021-03-02", "2021-03-03", item_code="A"),
            case("H1", "2021-03-01", "2021-03-08", item_code="H"),
        ],
    )
    row = at(con, "G04", "2021-03-31")
    assert row["actual"] == approx((0.95 + -1.5) / 2)  # -0.275: the mean of the item reductions
    assert row["projected"] == approx(0.0)  # fractions are clipped to [0, 1]
    assert row["status"] == "off_track"


def test_g04_december_projection_is_the_negative_year_value_as_it_is(tiny_warehouse):
    # As above, in December: A 1 - 1/20 = 0.95, H 1 - 5/2 = -1.5 (6 to 13 Dec, 5 workdays).
    # The year's value is known: the projection is the actual, not clipped to 0 as before it.
    con = tiny_warehouse(
        items=[item("A", "2021-12-31", statutory_days=20), item("H", "2021-12-31", statutory_days=2)],
        cases=[
            case("A1", "2021-12-02", "2021-12-03", item_code="A"),
            case("H1", "2021-12-06", "2021-12-13", item_code="H"),
        ],
    )
    row = at(con, "G04", "2021-12-31")
    assert row["actual"] == approx((0.95 + -1.5) / 2)
    assert row["projected"] == row["actual"]  # exactly, unclipped
    assert row["status"] == "missed"


def test_no_count_can_beat_a_baseline_of_100_percent(tiny_warehouse):
    # 2020: both completed cases reviewed proactively (G07 baseline 2/2 = 100 %). 2021: one of
    # two. floor(1.0 * 2) + 1 - 1 = 2 would be more than the 1 case left to count: no count
    # at today's denominator beats the baseline, so to_go is empty (the pages say so in words).
    con = tiny_warehouse(
        items=[item("A1", "2021-01-31")],
        cases=[
            case("P1", "2020-06-09", "2020-06-10"),
            case("P2", "2020-06-30", "2020-07-01"),
            case("Q1", "2021-01-08", "2021-01-10"),
            case("Q2", "2021-01-19", "2021-01-20"),
        ],
        reviews=[
            review("R1", "2020-06-10", case_id="P1", channel="APP"),
            review("R2", "2020-07-02", case_id="P2", channel="APP"),
            review("S1", "2021-01-11", case_id="Q1", channel="APP"),
        ],
    )
    jan = at(con, "G07", "2021-01-31")
    assert counts(jan) == (1, 2)
    assert jan["target"] == approx(1.0)
    assert jan["met"] is False
    assert jan["to_go"] is None
    assert jan["gap"] == approx(0.5)  # every other number as before
    # The department (its baseline 100 % too) does not hold the goal back: nothing it does can.
    dept = by_department(con, "G07", "2021-01-31")[DEPT]
    assert (dept["to_go"], dept["holds_back"], dept["holding_back_rank"]) == (None, False, None)


def test_g07_proactive_review_rate_beats_last_year(tiny_warehouse):
    # 2020 (baseline): 4 completed cases; P1 and P4 have a proactive review, P2 only a
    # 系统默认 one, P3 none -> 2/4 = 0.5.
    cases = [
        case("P1", "2020-06-09", "2020-06-10"),
        case("P2", "2020-06-30", "2020-07-01"),
        case("P3", "2020-07-30", "2020-08-01"),
        case("P4", "2020-08-31", "2020-09-01"),
        case("Q1", "2021-01-08", "2021-01-10"),
        case("Q2", "2021-01-19", "2021-01-20"),
        case("Q3", "2021-01-22", "2021-01-25"),
        case("Q4", None, "2021-01-15", status="不予受理"),  # not 办结: out, review or not
        case("Q5", "2021-02-08", "2021-02-10"),
        case("Q6", "2021-02-10", "2021-02-15"),
        case("Q7", "2020-12-28", "2021-01-05"),  # accepted in 2020, completed in 2021: year to date
    ]
    reviews = [
        review("R1", "2020-06-10", case_id="P1", channel="大厅评价器"),
        review("R2", "2020-07-02", case_id="P2", channel="系统默认"),
        review("R4", "2020-09-02", case_id="P4", channel="电脑端"),
        review("S1", "2021-01-11", case_id="Q1", channel="APP"),
        review("S2", "2021-02-03", case_id="Q2", channel="二维码"),  # after 31 Jan
        review("S3", "2021-01-25", case_id="Q3", channel="系统默认"),
        review("S4", "2021-01-15", case_id="Q4", channel="大厅评价器"),
        review("S6a", "2021-02-15", case_id="Q6", channel="系统默认"),
        review("S6b", "2021-02-16", case_id="Q6", channel="短信"),
        review("S7", "2021-02-20", case_id="Q7", channel="小程序"),  # after 31 Jan
    ]
    con = tiny_warehouse(items=[item("A1", "2021-02-28")], cases=cases, reviews=reviews)

    jan = at(con, "G07", "2021-01-31")
    # Completed in January: Q1, Q2, Q3, Q7; reviewed proactively by 31 Jan: Q1 only.
    assert counts(jan) == (1, 4)
    assert jan["target"] == approx(2 / 4)
    assert jan["met"] is False
    assert jan["to_go"] == 2  # floor(0.5 * 4) + 1 - 1
    # Run rate, k = 1: recent = 1/4, rest = 4 * 11 / 1 = 44, projected = (1 + 11) / 48
    assert jan["projected"] == approx(12 / 48)
    assert jan["required_rate"] == approx((0.5 * 48 - 1) / 44)
    assert jan["status"] == "off_track"  # 0.5 - 0.25 > 0.05

    feb = at(con, "G07", "2021-02-28")
    # Completed: Q1, Q2, Q3, Q5, Q6, Q7; reviewed proactively by 28 Feb: Q1, Q2, Q6, Q7.
    assert counts(feb) == (4, 6)
    assert feb["met"] is True  # 4/6 > 0.5
    assert feb["to_go"] == 0  # max(0, floor(0.5 * 6) + 1 - 4)
    # Run rate, k = 2: recent = 4/6, rest = 6 * 10 / 2 = 30, projected = (4 + 20) / 36 = 0.667 > 0.5
    assert feb["projected"] == approx(24 / 36)
    assert feb["status"] == "on_track"  # met today, and the projection beats the baseline


def test_g16_credit_lists_checked_on_every_accepted_case(tiny_warehouse):
    cases = [
        case("A1", "2021-01-05", "2021-01-06", credit_checked=True),
        case("A2", "2021-01-10", None, credit_checked=False),
        case("A3", "2020-12-30", None, credit_checked=False),  # accepted in 2020
        case("A4", None, "2021-01-21", status="不予受理", credit_checked=False),  # never accepted
        case("A5", "2021-02-03", "2021-02-05", status="退回", credit_checked=True),  # accepted, then returned
        case("A6", "2021-02-26", None, credit_checked=False),
    ]
    con = tiny_warehouse(items=[item("A1", "2021-02-28")], cases=cases)

    jan = at(con, "G16", "2021-01-31")
    assert counts(jan) == (1, 2)  # A1 of A1, A2
    assert jan["to_go"] == 1

    feb = at(con, "G16", "2021-02-28")
    assert counts(feb) == (2, 4)  # A1, A5 of A1, A2, A5, A6
    assert feb["actual"] == approx(2 / 4)
    assert feb["to_go"] == 2
    # Run rate, k = 2: recent = 2/4, rest = 4 * 10 / 2 = 20, projected = (2 + 10) / 24
    assert feb["projected"] == approx(12 / 24)
    assert feb["required_rate"] == approx((1.0 * 24 - 2) / 20)  # 1.1: out of reach
    assert feb["status"] == "off_track"


def test_g19_mobile_share_beats_last_year(tiny_warehouse):
    # 2020: 4 accepted, 1 through 渝快办APP -> baseline 0.25.
    cases = [case(f"P{n}", f"2020-11-0{n + 2}", channel=ch)
             for n, ch in enumerate(["渝快办APP", "窗口", "窗口", "窗口"])]
    # January: 渝快办APP and 小程序 count; 渝快办网页, 窗口, 自助终端 do not. A 小程序 application
    # that was never accepted is out.
    cases += [case(f"J{n}", f"2021-01-1{n}", channel=ch)
              for n, ch in enumerate(["渝快办APP", "小程序", "渝快办网页", "窗口", "自助终端"])]
    cases.append(case("J9", None, "2021-01-20", status="不予受理", channel="小程序"))
    # February: three more at the window.
    cases += [case(f"F{n}", f"2021-02-2{n}", channel="窗口") for n in range(3)]
    con = tiny_warehouse(items=[item("A1", "2021-02-28")], cases=cases)

    jan = at(con, "G19", "2021-01-31")
    assert jan["target"] == approx(1 / 4)
    assert counts(jan) == (2, 5)
    assert jan["met"] is True
    assert jan["to_go"] == 0  # max(0, floor(0.25 * 5) + 1 - 2)
    # Run rate, k = 1: recent = 2/5, rest = 5 * 11 = 55, projected = (2 + 22) / 60 = 0.4 > 0.25
    assert jan["projected"] == approx(24 / 60)
    assert jan["status"] == "on_track"  # met today; before the deadline the projection decides

    feb = at(con, "G19", "2021-02-28")
    assert counts(feb) == (2, 8)
    assert feb["met"] is False  # 0.25 is not strictly above 0.25
    assert feb["to_go"] == 1  # floor(0.25 * 8) + 1 - 2
    # Run rate, k = 2: recent = 2/8, rest = 8 * 10 / 2 = 40, projected = (2 + 10) / 48 = 0.25
    assert feb["projected"] == approx(12 / 48)
    assert feb["required_rate"] == approx((0.25 * 48 - 2) / 40)
    assert feb["status"] == "at_risk"  # misses the baseline by 0 <= 0.05


def test_g20_postal_share_beats_last_year(tiny_warehouse):
    # 2020: 5 accepted, 1 postal -> baseline 0.2.
    cases = [case(f"P{n}", f"2020-11-0{n + 2}", postal=n == 0) for n in range(5)]
    # January: 4 accepted, 1 postal; a withdrawn application never accepted but postal is out.
    cases += [case(f"J{n}", f"2021-01-1{n}", postal=n == 0) for n in range(4)]
    cases.append(case("J9", None, "2021-01-20", status="撤回", postal=True))
    # February: 6 accepted, none postal.
    cases += [case(f"F{n}", f"2021-02-2{n}") for n in range(6)]
    con = tiny_warehouse(items=[item("A1", "2021-02-28")], cases=cases)

    jan = at(con, "G20", "2021-01-31")
    assert jan["target"] == approx(1 / 5)
    assert counts(jan) == (1, 4)
    assert jan["met"] is True  # 0.25 > 0.2
    assert jan["to_go"] == 0  # max(0, floor(0.2 * 4) + 1 - 1)
    # Run rate, k = 1: recent = 1/4, rest = 44, projected = (1 + 11) / 48 = 0.25 > 0.2
    assert jan["projected"] == approx(12 / 48)
    assert jan["status"] == "on_track"  # met today; before the deadline the projection decides

    feb = at(con, "G20", "2021-02-28")
    assert counts(feb) == (1, 10)
    assert feb["met"] is False
    assert feb["to_go"] == 2  # floor(0.2 * 10) + 1 - 1
    # Run rate, k = 2: recent = 1/10, rest = 10 * 10 / 2 = 50, projected = (1 + 5) / 60
    assert feb["projected"] == approx(6 / 60)
    assert feb["required_rate"] == approx((0.2 * 60 - 1) / 50)
    assert feb["status"] == "off_track"


def test_g21_special_group_channels_beat_last_year_until_the_deadline(tiny_warehouse):
    # 2020: 4 accepted: 无障碍通道 counts, 帮办代办 does not -> baseline 1/4.
    cases = [case(f"P{n}", f"2020-11-0{n + 2}", assisted_channel=ch)
             for n, ch in enumerate(["无障碍通道", "帮办代办", None, None])]
    # January: 6 accepted, three through the special-group channels.
    cases += [case(f"J{n}", f"2021-01-1{n}", assisted_channel=ch)
              for n, ch in enumerate(["无障碍通道", "无智能手机通道", "绿色通道", "帮办代办", None, None])]
    # December: 6 accepted through none of them; the last on 31 Dec makes it the last data date.
    cases += [case(f"D{n}", f"2021-12-2{n}") for n in range(5)] + [case("D9", "2021-12-31")]
    con = tiny_warehouse(items=[item("A1", "2021-01-31")], cases=cases)
    rows = progress(con, "G21")
    assert len(rows) == 12  # every month-end of 2021

    jan = rows[day("2021-01-31")]
    assert jan["target"] == approx(1 / 4)
    assert counts(jan) == (3, 6)
    assert jan["met"] is True
    assert jan["to_go"] == 0  # max(0, floor(0.25 * 6) + 1 - 3)
    # Run rate, k = 1: recent = 3/6, rest = 66, projected = (3 + 33) / 72 = 0.5 > 0.25
    assert jan["projected"] == approx(0.5)
    assert jan["status"] == "on_track"  # met today, never "achieved" before the deadline
    nov = rows[day("2021-11-30")]  # still 3 of 6 year to date; nothing since 31 Aug: recent = actual
    assert nov["met"] is True
    assert nov["projected"] == approx(0.5)
    assert nov["status"] == "on_track"

    dec = rows[day("2021-12-31")]
    assert counts(dec) == (3, 12)
    assert dec["met"] is False  # 0.25 is not above 0.25
    assert dec["to_go"] == 1  # floor(0.25 * 12) + 1 - 3
    assert dec["projected"] == approx(3 / 12)  # k = 12: rest = 0, the projection is the actual
    assert dec["required_rate"] is None  # only before December
    assert dec["status"] == "missed"  # at the deadline: achieved or missed, nothing else
