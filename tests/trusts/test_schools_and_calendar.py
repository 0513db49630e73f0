"""Schools, term dates (the trust's and a school's own) and the closure pages."""

from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from tests.conftest import sign_in
from tests.factories import ClosureDayFactory, SchoolFactory, TermFactory
from trusts import schools
from trusts.calendar import SchoolCalendar, calendars_for
from trusts.errors import DomainError
from trusts.models import ClosureDay, School, Term

pytestmark = pytest.mark.django_db


def school_data(**overrides):
    data = {
        "name": "Beckside Primary",
        "urn": "147001",
        "phase": "primary",
        "local_authority": "Leeds",
        "address": "1 Beck Lane",
        "weekly_hours": "32.5",
    }
    data.update(overrides)
    return data


def test_admin_adds_and_edits_a_school(world, client):
    sign_in(client, world.personas["a.trust_admin"])
    assert client.post(reverse("school_create"), school_data()).status_code == 302
    with scopes_disabled():
        school = School.objects.get(urn="147001")
    assert school.trust == world.trust_a
    response = client.post(
        reverse("school_edit", kwargs={"school_pk": school.pk}), school_data(name="Beckside Primary School")
    )
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.name == "Beckside Primary School"


def test_a_duplicate_urn_or_name_gets_a_message_not_a_500(world, client):
    sign_in(client, world.personas["a.trust_admin"])
    taken = world.schools["b1"].urn  # another trust's school: URNs are national
    response = client.post(reverse("school_create"), school_data(urn=taken))
    assert response.status_code == 200 and f"URN {taken} is already registered" in response.content.decode()
    response = client.post(reverse("school_create"), school_data(name="Alderley Academy"))
    assert "already has a school called" in response.content.decode()
    response = client.post(reverse("school_create"), school_data(urn="12"))
    assert "six digits" in response.content.decode()
    with scopes_disabled():
        assert School.objects.filter(trust=world.trust_a).count() == 2


def test_only_trust_admins_edit_schools_and_another_trusts_school_is_404(world, client):
    sign_in(client, world.personas["a.headteacher"])
    assert client.get(reverse("school_create")).status_code == 403
    sign_in(client, world.personas["a.trust_admin"])
    assert client.get(reverse("school_edit", kwargs={"school_pk": world.schools["b1"].pk})).status_code == 404
    assert (
        client.get(reverse("school_term_dates", kwargs={"school_pk": world.schools["b1"].pk})).status_code
        == 404
    )


def test_school_list_and_calendar_queries_are_pinned(world, client, django_assert_max_num_queries):
    for n in range(10):
        SchoolFactory(trust=world.trust_a)
        ClosureDayFactory(trust=world.trust_a, date=date(2030, 1, 7 + n))
        TermFactory(
            trust=world.trust_a,
            academic_year__trust=world.trust_a,
            academic_year__name=f"20{40 + n}/{41 + n}",
        )
    sign_in(client, world.personas["a.trust_admin"])
    with django_assert_max_num_queries(9):
        assert client.get(reverse("school_list")).status_code == 200
    with django_assert_max_num_queries(10):
        page = client.get(reverse("calendar"))
    assert page.status_code == 200


def test_the_england_pattern_is_a_sane_year():
    autumn, spring, summer = schools.england_pattern(2026)
    assert autumn.start_date == date(2026, 9, 2) and autumn.end_date == date(2026, 12, 18)
    assert (autumn.half_term_start, autumn.half_term_end) == (date(2026, 10, 26), date(2026, 10, 30))
    assert spring.start_date == date(2027, 1, 5) or spring.start_date.weekday() == 0
    assert spring.end_date < date(2027, 3, 26) < summer.start_date  # Good Friday 2027 is 26 March
    assert summer.end_date <= date(2027, 7, 22) and summer.end_date.weekday() == 4
    for term in (autumn, spring, summer):
        assert term.start_date < term.half_term_start < term.half_term_end < term.end_date


def test_term_dates_page_is_prefilled_and_saves_the_year(world, client):
    sign_in(client, world.personas["a.trust_admin"])
    page = client.get(reverse("term_dates") + "?year=2026").content.decode()
    assert "2026-09-02" in page and "usual pattern" in page
    data = {"start_year": 2026}
    for term in schools.england_pattern(2026):
        data[f"{term.name}_start"] = term.start_date.isoformat()
        data[f"{term.name}_end"] = term.end_date.isoformat()
        data[f"{term.name}_half_start"] = term.half_term_start.isoformat()
        data[f"{term.name}_half_end"] = term.half_term_end.isoformat()
    assert client.post(reverse("term_dates"), data).status_code == 302
    with scope(trust=world.trust_a.pk):
        assert Term.objects.filter(school=None).count() == 3
        calendar = SchoolCalendar(world.schools["a1"])
        assert calendar.is_school_day(date(2026, 11, 24))
        assert not calendar.is_school_day(date(2026, 10, 27))  # half-term
    data["spring_end"] = "2027-05-01"  # runs into summer
    response = client.post(reverse("term_dates"), data)
    assert response.status_code == 200 and "overlap" in response.content.decode()


def test_a_school_with_its_own_dates_uses_them_for_the_year(world):
    admin = world.personas["a.trust_admin"]
    own_school, other = world.schools["a1"], world.schools["a2"]
    with scope(trust=world.trust_a.pk):
        schools.term_dates_save(by=admin, start_year=2026, terms=schools.england_pattern(2026))
        own = schools.england_pattern(2026)
        own[0].end_date = date(2026, 12, 16)  # this school breaks up two days early
        schools.term_dates_save(by=admin, start_year=2026, terms=own, school=own_school)
        assert not SchoolCalendar(own_school).is_school_day(date(2026, 12, 17))
        assert SchoolCalendar(other).is_school_day(date(2026, 12, 17))
        bad = schools.england_pattern(2026)
        bad[0].half_term_start = date(2026, 8, 1)
        with pytest.raises(DomainError, match="half-term"):
            schools.term_dates_save(by=admin, start_year=2026, terms=bad, school=own_school)
        with pytest.raises(DomainError):
            schools.term_dates_save(by=world.personas["a.headteacher"], start_year=2026, terms=own)
        # Calendars of several schools at once (the MIS export, the dashboards) follow the same rule.
        calendars = calendars_for([own_school, other])
        assert not calendars[own_school.pk].is_school_day(date(2026, 12, 17))
        assert calendars[other.pk].is_school_day(date(2026, 12, 17))
        schools.school_terms_clear(by=admin, school=own_school, start_year=2026)
        assert SchoolCalendar(own_school).is_school_day(date(2026, 12, 17))


def test_closure_pages_keep_heads_to_their_school(world, client):
    head = world.personas["a.headteacher"]
    sign_in(client, head)
    response = client.post(
        reverse("closure_add"),
        {"date": "2031-01-06", "kind": "closure", "school": world.schools["a2"].pk, "reason": "Snow"},
    )
    assert response.status_code == 200  # the other school is not a choice
    other = ClosureDayFactory(trust=world.trust_a, school=world.schools["a2"], date=date(2031, 1, 7))
    assert client.post(reverse("closure_remove", kwargs={"closure_pk": other.pk})).status_code == 404
    trust_wide = ClosureDayFactory(trust=world.trust_a, school=None, date=date(2031, 1, 8))
    client.post(reverse("closure_remove", kwargs={"closure_pk": trust_wide.pk}))
    with scopes_disabled():
        assert ClosureDay.objects.filter(pk__in=[other.pk, trust_wide.pk]).count() == 2
    sign_in(client, world.personas["b.trust_admin"])
    assert client.post(reverse("closure_remove", kwargs={"closure_pk": other.pk})).status_code == 404
