"""The rules with thresholds, at their edges: hours, part-time limits, notice arithmetic, registration."""

from datetime import date, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from placements import gates, lifecycle, rules, selectors
from placements.agreements.notice import referral_notice_issue
from placements.models import Placement
from providers.models import Provider
from tests.factories import ClosureDayFactory, PupilFactory, TimetableSessionFactory
from tests.placements.conftest import FULL_WEEK, TWO_MORNINGS, make_ready, new_placement
from trusts.calendar import SchoolCalendar

POLICY = SimpleNamespace(full_time_hours_threshold=Decimal("18.0"))


def s(start, end):
    return SimpleNamespace(start_time=start, end_time=end)


def test_session_hours_and_weekly_total():
    assert rules.session_hours(time(9, 0), time(12, 15)) == Decimal("3.25")
    assert rules.session_hours(time(12, 45), time(15, 5)) == Decimal("2.33")
    assert rules.weekly_hours([s(time(9), time(12)), s(time(13), time(15))]) == Decimal("5")


@pytest.mark.parametrize(
    ("hours", "full_time"),
    [("17.99", False), ("18", False), ("18.00", False), ("18.01", True), ("26.25", True)],
)
def test_full_time_is_more_than_the_threshold(hours, full_time):
    assert rules.is_full_time(Decimal(hours), POLICY) is full_time


def test_part_time_needs_an_end_or_a_review_date():
    args = {"policy": POLICY, "planned_end_date": None, "part_time_review_date": None}
    assert rules.part_time_review_problem(hours=Decimal("18"), **args)
    assert rules.part_time_review_problem(hours=Decimal("18.5"), **args) is None
    assert (
        rules.part_time_review_problem(hours=Decimal("6"), **{**args, "planned_end_date": date(2027, 1, 1)})
        is None
    )
    assert (
        rules.part_time_review_problem(
            hours=Decimal("6"), **{**args, "part_time_review_date": date(2027, 1, 1)}
        )
        is None
    )


def test_reduced_education_flag_edges():
    assert (
        rules.reduced_education_flag(
            total=Decimal("32.5"), school_weekly_hours=Decimal("32.5"), medical_reason=""
        )
        is None
    )
    assert rules.reduced_education_flag(
        total=Decimal("32.4"), school_weekly_hours=Decimal("32.5"), medical_reason=""
    )
    assert (
        rules.reduced_education_flag(
            total=Decimal("10"), school_weekly_hours=Decimal("32.5"), medical_reason="Fatigue (CFS)"
        )
        is None
    )
    assert rules.reduced_education_flag(
        total=Decimal("10"), school_weekly_hours=Decimal("32.5"), medical_reason="   "
    )


def test_part_time_placement_without_dates_blocks_the_timetable_gate(pw):
    placement = new_placement(pw, planned_end_date=None)
    lifecycle.timetable_set(by=pw.personas["a.ap_lead"], placement=placement, sessions=TWO_MORNINGS)
    gate = next(g for g in gates.placement_gates(placement) if g.code == "timetable")
    assert not gate.met and "part-time (6 hours a week)" in gate.message
    lifecycle.placement_update(
        by=pw.personas["a.ap_lead"], placement=placement, part_time_review_date=date(2027, 1, 8)
    )
    gate = next(g for g in gates.placement_gates(placement) if g.code == "timetable")
    assert gate.met and "part-time" in gate.message


# --- Off-site direction notice: at least two school days in [notice date, start) ---------------------------


@pytest.fixture
def cal(pw):
    return SchoolCalendar(pw.schools["a1"])


@pytest.mark.parametrize(
    ("notice", "earliest", "why"),
    [
        (date(2026, 11, 16), date(2026, 11, 18), "Monday notice: Monday and Tuesday count, start Wednesday"),
        (date(2026, 11, 20), date(2026, 11, 24), "Friday notice: Friday and Monday count, start Tuesday"),
        (
            date(2026, 11, 21),
            date(2026, 11, 25),
            "Saturday notice: Monday and Tuesday count, start Wednesday",
        ),
        (date(2026, 11, 22), date(2026, 11, 25), "Sunday notice: the same"),
        (date(2026, 11, 26), date(2026, 12, 1), "Thursday before an INSET Friday: Thursday and Monday count"),
        (date(2026, 10, 23), date(2026, 11, 3), "Friday before half-term: Friday and the Monday after"),
        (date(2027, 4, 30), date(2027, 5, 5), "Friday before the May bank holiday: Friday and Tuesday"),
        (
            date(2026, 12, 17),
            date(2026, 12, 19),
            "Thursday and Friday at the end of term count: from Saturday",
        ),
        (
            date(2026, 12, 18),
            date(2027, 1, 6),
            "Last day of term: it and the first day of spring (4 Jan is INSET)",
        ),
    ],
)
def test_earliest_start_after_notice(cal, notice, earliest, why):
    assert rules.earliest_start_after_notice(cal, notice) == earliest, why
    assert rules.notice_in_time(cal, notice_date=notice, start_date=earliest)
    assert not rules.notice_in_time(cal, notice_date=notice, start_date=earliest - timedelta(days=1))


def test_notice_on_the_start_day_or_one_school_day_before_is_too_late(cal):
    assert not rules.notice_in_time(cal, notice_date=date(2026, 11, 18), start_date=date(2026, 11, 18))
    assert not rules.notice_in_time(cal, notice_date=date(2026, 11, 17), start_date=date(2026, 11, 18))
    assert rules.notice_in_time(cal, notice_date=date(2026, 11, 16), start_date=date(2026, 11, 18))


def test_a_school_closure_counts_only_for_its_school(pw):
    ClosureDayFactory(trust=pw.trust_a, school=pw.schools["a2"], date=date(2026, 11, 17))
    a1, a2 = SchoolCalendar(pw.schools["a1"]), SchoolCalendar(pw.schools["a2"])
    assert rules.earliest_start_after_notice(a1, date(2026, 11, 16)) == date(2026, 11, 18)
    assert rules.earliest_start_after_notice(a2, date(2026, 11, 16)) == date(2026, 11, 19)


def test_issuing_a_late_notice_is_refused_with_the_earliest_start(pw):
    placement = new_placement(pw, reason="off_site", start_date=date(2026, 11, 30))
    lead = pw.personas["a.ap_lead"]
    lifecycle.timetable_set(by=lead, placement=placement, sessions=FULL_WEEK)
    args = {
        "delivered_by": "hand",
        "recipients": "Ms Carer",
        "report_to": "Pat Contact at reception",
        "reasons": "Repeated disruption.",
        "objectives": "Re-engage with learning.",
    }
    # Thursday 26 November: Friday 27 is an INSET day, so only Thursday counts before Monday 30.
    with pytest.raises(Exception, match="allows a start on Tuesday 01 December 2026") as error:
        referral_notice_issue(by=lead, placement=placement, notice_date=date(2026, 11, 26), **args)
    assert not placement.notices.exists()
    assert error.type.__name__ == "DomainError"
    referral_notice_issue(by=lead, placement=placement, notice_date=date(2026, 11, 25), **args)
    gate = next(g for g in gates.placement_gates(placement) if g.code == "notice")
    assert gate.met
    # Moving the start earlier afterwards makes the notice late again: the gate says so.
    lifecycle.placement_update(by=lead, placement=placement, start_date=date(2026, 11, 26))
    gate = next(g for g in gates.placement_gates(placement) if g.code == "notice")
    assert not gate.met and "less than two school days" in gate.message


# --- Registration rule across the trust ----------------------------------------------------------------------


def _full_time_at(world, provider_key, school_key="a1", status="active", **pupil_flags):
    pupil = PupilFactory(school=world.schools[school_key], **pupil_flags)
    placement = new_placement(world, pupil=pupil, provider=provider_key, status=status)
    for day in range(5):
        TimetableSessionFactory(placement=placement, weekday=day, start_time=time(9), end_time=time(13))
    return placement  # 20 hours


def test_registration_facts_cover_every_school_and_the_candidate(pw):
    a = _full_time_at(pw, "a", "a1")
    b = _full_time_at(pw, "a", "a2", status="agreed")
    _full_time_at(pw, "a", "a2", status="proposed")  # not committed: not counted
    candidate = _full_time_at(pw, "a", "a1", status="proposed")
    facts = selectors.registration_facts(pw.providers["a"], including=candidate)
    assert {f.placement_id for f in facts} == {a.pk, b.pk, candidate.pk}
    assert all(f.hours_per_week == Decimal("20") for f in facts)
    assert {f.school_id for f in facts} == {pw.schools["a1"].pk, pw.schools["a2"].pk}


def test_fifth_full_time_pupil_at_an_unregistered_provider_is_refused(pw):
    for i in range(3):
        _full_time_at(pw, "a", "a1" if i % 2 else "a2")
    fourth = _full_time_at(pw, "a", "a1", status="proposed")
    assert "registration" not in {g.code for g in gates.unmet_blocking(gates.placement_gates(fourth))}
    assert any(g.code == "registration_warning" for g in gates.placement_gates(fourth))
    Placement.objects.filter(pk=fourth.pk).update(status="active")
    fifth = _full_time_at(pw, "a", "a1", status="proposed")
    gate = next(g for g in gates.placement_gates(fifth) if g.code == "registration")
    assert not gate.met and "5 pupils would be here full-time" in gate.message


def test_one_looked_after_pupil_full_time_needs_a_registered_school(pw):
    placement = _full_time_at(pw, "a", status="proposed", looked_after=True, responsible_la="Leeds")
    gate = next(g for g in gates.placement_gates(placement) if g.code == "registration")
    assert not gate.met and "looked-after" in gate.message
    Provider.objects.filter(pk=pw.providers["a"].pk).update(registration_status="independent_school")
    placement.provider.refresh_from_db()
    gate = next(g for g in gates.placement_gates(placement) if g.code == "registration")
    assert gate.met


def test_part_time_placements_do_not_count(pw):
    pupil = PupilFactory(school=pw.schools["a1"], ehcp=True)
    placement = make_ready(pw, new_placement(pw, pupil=pupil), sessions=TWO_MORNINGS)
    gate = next(g for g in gates.placement_gates(placement) if g.code == "registration")
    assert gate.met
