"""A trust's calendar kept in each process (trusts.calendar_cache): no query while it is unchanged, and any
change to a term, closure day or academic year felt at once."""

from datetime import date

from django_scopes import scopes_disabled

from trusts.calendar import calendars_for
from trusts.models import AcademicYear, ClosureDay, Term


def test_a_trusts_calendar_is_read_once_a_process_until_a_term_or_closure_changes(
    world, django_assert_num_queries
):
    """``calendars_for`` keeps each trust's terms and closure days in the process while the trust's calendar token
    stands: no query while nothing changed; a term or closure day saved or deleted is seen at once."""
    school = world.schools["a1"]
    with scopes_disabled():
        calendars_for([school])
        with django_assert_num_queries(0):
            calendar = calendars_for([school])[school.pk]
        year = AcademicYear.objects.create(
            trust_id=school.trust_id,
            name="2030-31",
            start_date=date(2030, 9, 1),
            end_date=date(2031, 8, 31),
        )
        term = Term.objects.create(
            trust_id=school.trust_id,
            academic_year=year,
            name="Autumn",
            start_date=date(2030, 9, 2),
            end_date=date(2030, 12, 20),
        )
        with django_assert_num_queries(2):
            calendar = calendars_for([school])[school.pk]
        assert calendar.is_school_day(date(2030, 9, 3))
        closure = ClosureDay.objects.create(
            trust_id=school.trust_id, school=school, date=date(2030, 9, 3), kind="inset", reason="Training"
        )
        assert not calendars_for([school])[school.pk].is_school_day(date(2030, 9, 3))
        closure.delete()
        term.delete()
        assert not calendars_for([school])[school.pk].is_school_day(date(2030, 9, 4))
