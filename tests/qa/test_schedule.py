"""The due-date rules at their edges: term and half-term boundaries, the session count, unregistered
providers, a provider with pupils from several schools, and the agreed next-visit date."""

from datetime import date

import pytest
from django_scopes import scope, scopes_disabled

from qa import schedule, selectors
from tests.factories import (
    ExpectedSessionFactory,
    PlacementFactory,
    PupilFactory,
    RegisterMarkFactory,
    TermFactory,
)
from tests.qa.conftest import CompletedVisitFactory, build_setup
from trusts.models import Term


def term(start, end, ht_start=None, ht_end=None):
    t = Term(start_date=start, end_date=end, half_term_start=ht_start, half_term_end=ht_end)
    return t


AUTUMN = term(date(2026, 9, 2), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30))
SPRING = term(date(2027, 1, 5), date(2027, 3, 26), date(2027, 2, 15), date(2027, 2, 19))
TERMS = [AUTUMN, SPRING]


class TestTermly:
    def test_first_visit_due_by_the_end_of_the_term_the_placement_starts_in(self):
        assert schedule.due_by_frequency(
            frequency="termly", terms=TERMS, last_visit=None, placed_since=date(2026, 9, 7)
        ) == date(2026, 12, 18)

    def test_a_visit_this_term_moves_the_due_date_to_the_end_of_next_term(self):
        assert schedule.due_by_frequency(
            frequency="termly", terms=TERMS, last_visit=date(2026, 11, 23), placed_since=date(2026, 9, 7)
        ) == date(2027, 3, 26)

    def test_a_visit_on_the_last_day_of_term_counts_for_that_term(self):
        assert schedule.due_by_frequency(
            frequency="termly", terms=TERMS, last_visit=date(2026, 12, 18), placed_since=date(2026, 9, 7)
        ) == date(2027, 3, 26)

    def test_a_visit_in_the_holiday_counts_for_no_term_and_the_next_term_is_due(self):
        assert schedule.due_by_frequency(
            frequency="termly", terms=TERMS, last_visit=date(2026, 12, 22), placed_since=date(2026, 9, 7)
        ) == date(2027, 3, 26)

    def test_placement_starting_in_the_holiday_is_due_in_the_first_term_after(self):
        assert schedule.due_by_frequency(
            frequency="termly", terms=TERMS, last_visit=None, placed_since=date(2026, 12, 21)
        ) == date(2027, 3, 26)

    def test_without_a_term_calendar_a_term_is_thirteen_weeks(self):
        assert schedule.due_by_frequency(
            frequency="termly", terms=[], last_visit=date(2026, 9, 1), placed_since=date(2026, 9, 1)
        ) == date(2026, 12, 1)


class TestHalfTermly:
    def test_first_half_ends_the_friday_before_the_break(self):
        assert schedule.due_by_frequency(
            frequency="half_termly", terms=TERMS, last_visit=None, placed_since=date(2026, 9, 7)
        ) == date(2026, 10, 25)

    def test_visit_on_the_last_day_before_half_term_makes_the_second_half_due(self):
        assert schedule.due_by_frequency(
            frequency="half_termly", terms=TERMS, last_visit=date(2026, 10, 23), placed_since=date(2026, 9, 7)
        ) == date(2026, 12, 18)

    def test_visit_in_the_half_term_break_counts_for_neither_half(self):
        # The break belongs to no half: the second half still needs its visit.
        assert schedule.due_by_frequency(
            frequency="half_termly", terms=TERMS, last_visit=date(2026, 10, 28), placed_since=date(2026, 9, 7)
        ) == date(2026, 12, 18)

    def test_visit_on_the_first_day_after_the_break_makes_spring_first_half_due(self):
        assert schedule.due_by_frequency(
            frequency="half_termly", terms=TERMS, last_visit=date(2026, 11, 2), placed_since=date(2026, 9, 7)
        ) == date(2027, 2, 14)


class TestMonthly:
    def test_one_month_after_the_last_visit(self):
        assert schedule.due_by_frequency(
            frequency="monthly", terms=TERMS, last_visit=date(2026, 11, 23), placed_since=date(2026, 9, 7)
        ) == date(2026, 12, 23)

    def test_month_end_clamps(self):
        assert schedule.add_month(date(2027, 1, 31)) == date(2027, 2, 28)
        assert schedule.add_month(date(2026, 12, 15)) == date(2027, 1, 15)


class TestSessions:
    def test_the_tenth_session_sets_the_date_when_sooner(self):
        days = [date(2026, 11, d) for d in (2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 9)]
        due = schedule.next_visit_due(
            frequency="monthly",
            terms=TERMS,
            last_visit=date(2026, 11, 1),
            placed_since=date(2026, 9, 7),
            session_limit=10,
            attended_by_placement={1: days},
        )
        assert due.due == date(2026, 11, 6)
        assert due.trigger == 1
        assert "10 sessions" in due.reason

    def test_nine_sessions_do_not_trigger(self):
        days = [date(2026, 11, d) for d in (2, 2, 3, 3, 4, 4, 5, 5, 6)]
        due = schedule.next_visit_due(
            frequency="monthly",
            terms=TERMS,
            last_visit=date(2026, 11, 1),
            placed_since=date(2026, 9, 7),
            session_limit=10,
            attended_by_placement={1: days},
        )
        assert due.due == date(2026, 12, 1)
        assert due.sessions_since == 9

    def test_counted_per_placement_not_summed(self):
        five = [date(2026, 11, d) for d in (2, 3, 4, 5, 6)]
        due = schedule.next_visit_due(
            frequency="termly",
            terms=TERMS,
            last_visit=date(2026, 11, 1),
            placed_since=date(2026, 9, 7),
            session_limit=10,
            attended_by_placement={1: five, 2: five},
        )
        assert due.due == date(2027, 3, 26)

    def test_month_wins_when_sooner(self):
        days = [date(2026, 12, d) for d in range(1, 12)]
        due = schedule.next_visit_due(
            frequency="monthly",
            terms=TERMS,
            last_visit=date(2026, 10, 20),
            placed_since=date(2026, 9, 7),
            session_limit=10,
            attended_by_placement={1: days},
        )
        assert due.due == date(2026, 11, 20)

    def test_limit_off(self):
        assert schedule.due_by_sessions(limit=None, attended_by_placement={1: [date(2026, 11, 2)] * 20}) == (
            None,
            None,
        )


def test_an_earlier_agreed_next_visit_wins():
    due = schedule.next_visit_due(
        frequency="termly",
        terms=TERMS,
        last_visit=date(2026, 11, 2),
        placed_since=date(2026, 9, 7),
        agreed_next_visit=date(2026, 12, 1),
    )
    assert (due.due, due.reason) == (date(2026, 12, 1), "the date agreed at the last visit")


# --- Through the database ----------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestScheduleFromThePolicy:
    def rows(self, s, on):
        with scope(trust=s.trust.pk):
            return selectors.visit_schedule(on=on, trust_id=s.trust.pk)

    def test_unregistered_provider_follows_the_unregistered_frequency(self):
        s = build_setup(registration_status="unregistered")
        (row,) = self.rows(s, date(2026, 10, 1))
        assert row.due.due == date(2026, 10, 25)  # half-termly by default
        assert row.due.reason == "at least once a half-term"

    def test_registered_school_follows_the_general_frequency(self):
        s = build_setup(registration_status="independent_school")
        (row,) = self.rows(s, date(2026, 10, 1))
        assert row.due.due == date(2026, 12, 18)

    def test_changing_the_policy_changes_the_schedule(self):
        s = build_setup(registration_status="independent_school")
        with scopes_disabled():
            s.trust.policy.qa_visit_frequency = "monthly"
            s.trust.policy.save()
        (row,) = self.rows(s, date(2026, 10, 1))
        assert row.due.due == date(2026, 10, 7)

    def test_the_kept_schedule_holds_no_password_hash_of_its_visitors(self):
        """The schedule is kept in the shared cache for everyone who reads it: its planned visits carry the
        visitor's name and address, never their password hash."""
        import pickle

        from tests.qa.conftest import VisitFactory

        s = build_setup()
        with scopes_disabled():
            VisitFactory(provider=s.provider, visitor=s.visitor.user, planned_for=date(2026, 10, 20))
            password = s.visitor.user.password
        (row,) = self.rows(s, date(2026, 10, 1))
        assert row.planned.visitor.get_full_name() == "Vera Visitor"
        assert password and password.encode() not in pickle.dumps(row)

    def test_overdue_and_this_week_tags(self):
        s = build_setup()
        (row,) = self.rows(s, date(2026, 10, 26))
        assert row.overdue
        (row,) = self.rows(s, date(2026, 10, 20))
        assert not row.overdue and "this_week" in row.tags and "this_half_term" in row.tags

    def test_provider_without_pupils_is_not_scheduled(self):
        s = build_setup()
        with scopes_disabled():
            s.placement.status = "ended"
            s.placement.ended_on = date(2026, 10, 1)
            s.placement.ended_outcome = "completed"
            s.placement.save()
        assert self.rows(s, date(2026, 10, 20)) == []

    def test_pupils_from_several_schools_one_row_from_the_earliest_start(self):
        s = build_setup(registration_status="independent_school")
        PlacementFactory(
            pupil=PupilFactory(school=s.other_school),
            provider=s.provider,
            status="agreed",
            start_date=date(2027, 1, 11),
            planned_end_date=date(2027, 3, 1),
        )
        (row,) = self.rows(s, date(2026, 10, 1))
        assert row.pupils_placed == 2
        assert row.schools == ["Northfield Academy", "Southgate School"]
        assert row.due.due == date(2026, 12, 18)
        # A school-bound person sees only their own school named.
        with scope(trust=s.trust.pk):
            (row,) = selectors.visit_schedule(s.visitor, on=date(2026, 10, 1), trust_id=s.trust.pk)
        assert row.schools == ["Northfield Academy"]

    def test_a_completed_visit_moves_it_on(self):
        s = build_setup(registration_status="independent_school")
        CompletedVisitFactory(
            provider=s.provider, visit_date=date(2026, 11, 2), next_visit_date=date(2027, 1, 15)
        )
        (row,) = self.rows(s, date(2026, 11, 10))
        assert row.due.last_visit == date(2026, 11, 2)
        # No spring term in the calendar yet: the agreed date (sooner than thirteen weeks on) wins.
        assert (row.due.due, row.due.reason) == (date(2027, 1, 15), "the date agreed at the last visit")

    def test_ten_sessions_attended_trigger_a_visit(self):
        s = build_setup(registration_status="independent_school")
        with scopes_disabled():
            s.trust.policy.qa_visit_session_limit = 10
            s.trust.policy.save()
        days = [date(2026, 11, d) for d in (2, 3, 4, 5, 6)]
        for day in days:
            for session in ("am", "pm"):
                RegisterMarkFactory(
                    expected_session=ExpectedSessionFactory(placement=s.placement, date=day, session=session),
                    status="present",
                )
        # An absence does not count.
        RegisterMarkFactory(
            expected_session=ExpectedSessionFactory(placement=s.placement, date=date(2026, 10, 30)),
            status="absent",
        )
        (row,) = self.rows(s, date(2026, 11, 10))
        assert row.due.due == date(2026, 11, 6)
        assert row.trigger_label == "A.S."
        assert row.overdue

    def test_terms_from_the_trust_calendar(self):
        s = build_setup(registration_status="independent_school")
        with scopes_disabled():
            TermFactory(
                academic_year=s.term.academic_year,
                name="spring",
                start_date=date(2027, 1, 5),
                end_date=date(2027, 3, 26),
                half_term_start=date(2027, 2, 15),
                half_term_end=date(2027, 2, 19),
            )
        CompletedVisitFactory(
            provider=s.provider, visit_date=date(2026, 12, 1), next_visit_date=date(2027, 6, 1)
        )
        (row,) = self.rows(s, date(2026, 12, 10))
        assert row.due.due == date(2027, 3, 26)


def test_periods_skip_a_term_without_break():
    t = term(date(2027, 4, 12), date(2027, 7, 16))
    assert schedule.periods_for("half_termly", [t]) == [schedule.Period(date(2027, 4, 12), date(2027, 7, 16))]
