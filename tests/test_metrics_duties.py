"""Done-over-due duties (G03, G08, G09, G10, G15), worked out by hand.

A record with start t, rule N working days and completion `done` (docs/metrics.md#building-blocks, done over due):
in scope when date(t) is in [1 Jan 2021, D]; done when date(done) <= D; due when
deadline(t, N) <= D or done; value = done / due; on_time = (date(done) <= deadline) / due.
deadline(t, N) is the N-th workday strictly after date(t) in the official calendar
(seeds/rules.csv: complaints 1, review reporting 1, rectification 15, follow-up 15, publicity 7).

2021 dates used below: Sun 7 Feb and Sat 20 Feb are make-up workdays; 11-17 Feb (Spring
Festival), 5 Apr, 1-5 May and 1-7 Oct are holidays; Sat 8 May and Sat 9 Oct are workdays.
"""

from __future__ import annotations

from pytest import approx

from metric_rows import at, complaint, counts, day, decision, item, progress, review


def test_g03_complaint_response_with_make_up_workdays_and_spring_festival(tiny_warehouse):
    con = tiny_warehouse(complaints=[
        # Assigned Fri 5 Feb: deadline(5 Feb, 1) = Sun 7 Feb (a make-up workday).
        complaint("C1", "2021-02-05 09:00", "2021-02-07 10:00"),  # on time
        complaint("C2", "2021-02-05 09:00", "2021-02-08 10:00"),  # done, late
        # Assigned Wed 10 Feb: deadline = Thu 18 Feb, the first workday after the holiday.
        complaint("C3", "2021-02-10 09:00", "2021-02-18 10:00"),  # on time
        complaint("C9", "2021-02-10 09:00", "2021-02-17 10:00"),  # on time (answered during the holiday)
        complaint("C4", "2021-02-25 09:00"),  # deadline Fri 26 Feb: due by 28 Feb, not done
        complaint("C5", "2021-02-26 15:00"),  # deadline Mon 1 Mar: not yet due on 28 Feb
        complaint("C6", "2020-12-30 09:00", "2021-01-04 10:00"),  # assigned in 2020: never in 2021's scope
        complaint("C7", "2021-01-29 09:00", "2021-03-01 10:00"),  # deadline Mon 1 Feb; answered 1 Mar
    ])
    rows = progress(con, "G03")
    assert list(rows) == [day("2021-01-31"), day("2021-02-28"), day("2021-03-01")]

    # 31 Jan: only C7 is in scope, and it is neither done nor due yet.
    assert rows[day("2021-01-31")]["status"] == "no_data"

    feb = rows[day("2021-02-28")]
    # due: C1, C2, C3, C9, C4, C7 = 6; done: C1, C2, C3, C9 = 4; on time: C1, C3, C9 = 3
    assert counts(feb) == (4, 6)
    assert feb["actual"] == approx(4 / 6)
    assert feb["on_time"] == approx(3 / 6)
    assert feb["to_go"] == 2  # = 1.00: den - num
    assert feb["met"] is False
    # Run rate, k = 2 (three months earlier is before January: 0): recent = 4/6,
    # rest = 6 * 10 / 2 = 30, projected = (4 + 20) / 36
    assert feb["projected"] == approx(24 / 36)
    assert feb["required_rate"] == approx((1.0 * 36 - 4) / 30)
    assert feb["status"] == "off_track"

    mar = rows[day("2021-03-01")]
    # C5 falls due on 1 Mar and C7 is done (late): due 7, done 5, on time still 3
    assert counts(mar) == (5, 7)
    assert mar["on_time"] == approx(3 / 7)
    assert mar["to_go"] == 2


def test_g03_complaint_assigned_before_national_day_is_due_on_8_october(tiny_warehouse):
    con = tiny_warehouse(complaints=[
        complaint("K1", "2021-09-30 16:00"),  # deadline Fri 8 Oct (1-7 Oct off): not answered
        complaint("K2", "2021-09-30 16:00", "2021-10-08 09:00"),  # answered on its deadline: on time
        complaint("K3", "2021-09-29 16:00", "2021-10-08 09:00"),  # deadline Thu 30 Sep: late
    ])
    rows = progress(con, "G03")
    # Every month-end up to the last data date, then the last data date (8 Oct) itself.
    assert list(rows) == [day(f"2021-{m:02d}-{d}") for m, d in
                          [(1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31), (9, 30)]
                          ] + [day("2021-10-08")]

    sep = rows[day("2021-09-30")]
    assert counts(sep) == (0, 1)  # only K3 is due; K1 and K2 are not due until 8 Oct
    assert sep["on_time"] == approx(0.0)
    assert sep["to_go"] == 1

    octo = rows[day("2021-10-08")]
    assert octo["month_no"] == 10
    assert counts(octo) == (2, 3)  # K1 is due on its deadline day
    assert octo["on_time"] == approx(1 / 3)  # K2 only


def test_g08_proactive_reviews_reported(tiny_warehouse):
    con = tiny_warehouse(reviews=[
        # Reviewed Mon 1 Mar: deadline(1 Mar, 1) = Tue 2 Mar.
        review("R1", "2021-03-01 10:00", channel="大厅评价器", reported_at="2021-03-01 11:00"),  # on time
        review("R2", "2021-03-01 10:00", channel="APP", reported_at="2021-03-03 10:00"),  # late
        review("R3", "2021-03-01 10:00", channel="二维码"),  # never reported: due
        review("R4", "2021-03-01 10:00", channel="系统默认"),  # not proactive: out
        review("R5", "2021-03-31 10:00", channel="短信"),  # deadline Thu 1 Apr: not yet due
        review("R6", "2021-03-31 10:00", channel="电脑端", reported_at="2021-03-31 10:05"),  # done, on time
    ])
    row = at(con, "G08", "2021-03-31")
    # due: R1, R2, R3, R6; done: R1, R2, R6; on time: R1, R6
    assert counts(row) == (3, 4)
    assert row["actual"] == approx(3 / 4)
    assert row["on_time"] == approx(2 / 4)
    assert row["to_go"] == 1
    assert row["status"] == "off_track"  # k = 3: projected = actual 0.75, 0.25 short


def test_g09_bad_reviews_rectified_unfounded_ones_drop_out_once_verified(tiny_warehouse):
    # Reviewed Mon 4 Jan: deadline(4 Jan, 15) = Mon 25 Jan. Reviewed Wed 20 Jan: deadline
    # (20 Jan, 15) = Tue 9 Feb (counting Sun 7 Feb).
    con = tiny_warehouse(
        items=[item("A1", "2021-02-28")],  # makes 28 Feb the last data date
        reviews=[
            review("B1", "2021-01-04", rating=1, rectified_at="2021-02-10"),  # rectified 10 Feb: not by 31 Jan
            review("B2", "2021-01-04", rating=2, rectified_at="2021-01-25"),  # on its deadline: on time
            review("B3", "2021-01-04", rating=1, verified_at="2021-01-15", verified_result="不属实"),
            review("B4", "2021-01-04", rating=2, verified_at="2021-02-05", verified_result="恶意评价"),
            review("B5", "2021-01-04", rating=1, verified_at="2021-01-10", verified_result="属实",
                   rectified_at="2021-01-22"),
            review("B6", "2021-01-04", rating=3),  # 基本满意 is not a bad review
            review("B7", "2021-01-20", rating=1),  # never rectified
        ],
    )
    jan = at(con, "G09", "2021-01-31")
    # B3 is out (found 不属实 on 15 Jan). B4 is still in: it was found 恶意评价 only on 5 Feb.
    # due: B1, B2, B4, B5 (B7 falls due on 9 Feb); done: B2, B5
    assert counts(jan) == (2, 4)
    assert jan["on_time"] == approx(2 / 4)
    assert jan["to_go"] == 2

    feb = at(con, "G09", "2021-02-28")
    # B3 and B4 out; due: B1, B2, B5, B7; done: B1 (late), B2, B5; on time: B2, B5
    assert counts(feb) == (3, 4)
    assert feb["actual"] == approx(3 / 4)
    assert feb["on_time"] == approx(2 / 4)
    assert feb["to_go"] == 1


def test_g10_real_name_bad_reviews_followed_up(tiny_warehouse):
    # Reviewed Mon 1 Mar: deadline(1 Mar, 15) = Mon 22 Mar. Reviewed 25 Mar: deadline 16 Apr.
    con = tiny_warehouse(
        items=[item("A1", "2021-03-31")],  # makes 31 Mar the last data date
        reviews=[
            review("F1", "2021-03-01", rating=1, real_name=True, followed_up_at="2021-03-05"),  # on time
            review("F2", "2021-03-01", rating=2, real_name=True),  # due 22 Mar, not followed up
            review("F3", "2021-03-01", rating=1, real_name=False),  # anonymous: out
            review("F4", "2021-03-01", rating=4, real_name=True),  # not a bad review: out
            review("F5", "2021-03-25", rating=1, real_name=True),  # not yet due
            # Found 不属实, but G10 (unlike G09) does not drop unfounded reviews: still due.
            review("F6", "2021-03-01", rating=2, real_name=True, verified_at="2021-03-03", verified_result="不属实"),
            review("F7", "2021-03-01", rating=1, real_name=True, followed_up_at="2021-03-23"),  # a day late
        ],
    )
    row = at(con, "G10", "2021-03-31")
    # due: F1, F2, F6, F7; done: F1, F7; on time: F1
    assert counts(row) == (2, 4)
    assert row["actual"] == approx(2 / 4)
    assert row["on_time"] == approx(1 / 4)
    assert row["to_go"] == 2


def test_g15_decisions_published_within_seven_workdays_across_may_day(tiny_warehouse):
    # deadline(Fri 30 Apr, 7) = Thu 13 May (6, 7, Sat 8, 10, 11, 12, 13 May; 1-5 May are off).
    # deadline(Thu 20 May, 7) = Mon 31 May; deadline(Fri 21 May, 7) = Tue 1 Jun.
    # deadline(Thu 1 Apr, 7) = Tue 13 Apr (5 Apr is Qingming).
    con = tiny_warehouse(
        items=[item("A1", "2021-05-31")],  # makes 31 May the last data date
        decisions=[
            decision("D1", "2021-04-30", "2021-05-13"),  # on its deadline: on time
            decision("D2", "2021-04-30", "2021-05-14"),  # a day late
            decision("D3", "2021-05-20"),  # due on 31 May, not published
            decision("D4", "2021-05-21"),  # not yet due on 31 May
            decision("D5", "2021-04-01", "2021-04-06"),  # on time
        ],
    )
    apr = at(con, "G15", "2021-04-30")
    assert counts(apr) == (1, 1)  # D5; D1 and D2 are not due until 13 May
    assert apr["met"] is True
    # Run rate, k = 4: 31 Jan (0, 0), recent = 1/1, rest = 1 * 8 / 4 = 2, projected = (1 + 2) / 3
    assert apr["projected"] == approx(1.0)
    assert apr["status"] == "on_track"  # met today and projected to stay met; not yet achieved

    may = at(con, "G15", "2021-05-31")
    # due: D1, D2, D3, D5; done: D1, D2, D5; on time: D1, D5
    assert counts(may) == (3, 4)
    assert may["actual"] == approx(3 / 4)
    assert may["on_time"] == approx(2 / 4)
    assert may["to_go"] == 1
    # Run rate, k = 5; three months earlier = 28 Feb with 0 due: recent = 3/4,
    # rest = 4 * 7 / 5 = 5.6, projected = (3 + 0.75 * 5.6) / 9.6 = 0.75
    assert may["projected"] == approx((3 + 0.75 * 5.6) / 9.6)
    assert may["required_rate"] == approx((1.0 * 9.6 - 3) / 5.6)
    assert may["status"] == "off_track"
