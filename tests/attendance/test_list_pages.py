"""The school's register and the follow-up list draw plain rows: what the page shows of a mark, who made it and
when, the code form of each row, and the follow-ups paged by pupil."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from attendance import services, views
from attendance.models import RegisterMark
from tests.attendance import test_views
from tests.attendance.conftest import make_placement
from tests.attendance.test_views import MON, at, session_of
from tests.conftest import sign_in

# The Monday of the register tests: pupils at the provider from both schools.
day = test_views.day


def _absent_pupils(world, n):
    """``n`` pupils of the first school absent on Monday morning, each with an open follow-up."""
    with scopes_disabled():
        made = [
            make_placement(school=world.schools["a1"], provider=world.providers["a"], pm_weekdays=())
            for _ in range(n)
        ]
    with scope(trust=world.trust_a.pk):
        for placement in made:
            services.expected_sessions_generate(placement=placement, start=MON, end=date(2026, 11, 24))
            services.mark_record(
                session=session_of(placement),
                status="absent",
                by_user=world.personas["a.provider_staff"].user,
            )
        services.chase_run()
    return made


def test_the_school_register_shows_the_mark_who_made_it_and_a_code_form_per_mark(
    client, world, day, time_machine
):
    with scopes_disabled():
        world.providers["a"].trading_name = "Alderley Kitchen"
        world.providers["a"].save()
    time_machine.move_to(at(MON, 9, 20), tick=False)
    by = world.personas["a.provider_staff"].user
    with scope(trust=world.trust_a.pk):
        mark = services.mark_record(
            session=session_of(day["mine"]), status="late", late_minutes=12, by_user=by
        )
    sign_in(client, world.personas["a.attendance_officer"])
    body = client.get(reverse("attendance:school_register") + "?date=2026-11-23").content.decode()
    assert "Alderley Kitchen" in body  # the provider as it calls itself
    assert "Late (12 min)" in body
    assert f"{by.get_full_name() or by.username}, 09:20" in body
    code_url = reverse("attendance:code_set", args=[mark.pk])
    assert body.count(f'action="{code_url}"') == 1
    form = body[body.index(f'action="{code_url}"') :]
    assert 'name="csrfmiddlewaretoken"' in form[: form.index("</form>")]
    with scopes_disabled():
        code = RegisterMark.objects.get(pk=mark.pk).school_code
    assert f'id="code-{mark.pk}"' in form and f'value="{code}"' in form[: form.index("</form>")]
    # Ava's afternoon and Cal's day (another provider, same school): not yet marked, no form to change a code.
    assert body.count("Not marked") == 3
    assert body.count('name="code"') == 1
    assert body.index("Morning") < body.index("Afternoon")


def test_the_school_register_offers_no_code_forms_to_those_who_may_not_set_codes(client, world, day):
    with scope(trust=world.trust_a.pk):
        services.mark_record(
            session=session_of(day["mine"]), status="absent", by_user=world.personas["a.provider_staff"].user
        )
    sign_in(client, world.personas["a.ap_lead"])
    body = client.get(reverse("attendance:school_register")).content.decode()
    assert "Absent" in body and "no reason given" in body
    assert 'name="code"' not in body and "Change code" not in body


def test_follow_ups_are_paged_by_pupil_and_a_bad_page_is_the_first_or_last(client, world, day, monkeypatch):
    monkeypatch.setattr(views, "FOLLOW_UP_PUPILS_PER_PAGE", 2)
    made = _absent_pupils(world, 3)
    sign_in(client, world.personas["a.attendance_officer"])
    url = reverse("attendance:follow_ups")
    first = client.get(url)
    second = client.get(url + "?page=2")
    shown = [[g.pupil_pk for g in r.context["groups"]] for r in (first, second)]
    assert [len(pupils) for pupils in shown] == [2, 1]
    assert sorted(shown[0] + shown[1]) == sorted(p.pupil_id for p in made)
    assert "Page 1 of 2" in first.content.decode() and "page=2" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()
    # Every pupil's row links to its follow-up.
    assert second.content.decode().count("Record follow-up") == 1
    nonsense = client.get(url + "?page=abc")
    assert nonsense.status_code == 200 and [g.pupil_pk for g in nonsense.context["groups"]] == shown[0]
    beyond = client.get(url + "?page=99")
    assert beyond.status_code == 200 and [g.pupil_pk for g in beyond.context["groups"]] == shown[1]


def test_the_follow_up_list_says_when_it_shows_only_the_most_urgent(client, world, day, monkeypatch):
    _absent_pupils(world, 3)
    sign_in(client, world.personas["a.attendance_officer"])
    url = reverse("attendance:follow_ups")
    assert "most urgent are listed" not in client.get(url).content.decode()
    monkeypatch.setattr(views, "FOLLOW_UP_LIST_LIMIT", 2)
    body = client.get(url).content.decode()
    assert "The 2 most urgent are listed" in body
    assert body.count("absent from") == 2


@pytest.mark.parametrize("persona", ["a.school_governor", "a.provider_staff"])
def test_follow_up_pages_stay_closed_to_those_without_attendance(client, world, day, persona):
    sign_in(client, world.personas[persona])
    assert client.get(reverse("attendance:follow_ups") + "?page=2").status_code == 403


def test_a_register_longer_than_a_page_is_paged_and_a_bad_page_is_the_first_or_last(
    client, world, day, monkeypatch
):
    # Monday: Ava and Cal (the first school), morning and afternoon; the trust's DSL also sees Bea (the second).
    monkeypatch.setattr(views, "SCHOOL_REGISTER_ROWS_PER_PAGE", 4)
    sign_in(client, world.personas["a.trust_dsl"])
    url = reverse("attendance:school_register") + "?date=2026-11-23"
    first = client.get(url).content.decode()
    second = client.get(url + "&page=2").content.decode()
    # The first page: the three mornings and one afternoon, under a header row for each session's table.
    assert first.count("<tr>") == 2 + 4 and "Page 1 of 2" in first
    assert "?date=2026-11-23&amp;page=2" in first
    assert second.count("<tr>") == 1 + 2 and "Page 2 of 2" in second
    assert client.get(url + "&page=abc").content.decode().count("<tr>") == 2 + 4
    assert client.get(url + "&page=99").content.decode().count("<tr>") == 1 + 2
    # Each pupil's morning and afternoon, once over the two pages.
    for name in ("Ava", "Bea", "Cal"):
        assert first.count(f"{name} Surname") + second.count(f"{name} Surname") == 2


def test_a_register_of_one_page_is_read_without_counting(client, world, day, django_assert_num_queries):
    sign_in(client, world.personas["a.attendance_officer"])
    url = reverse("attendance:school_register") + "?date=2026-11-23"
    client.get(url)
    # The user, the day's rows, the unread notifications: no count of the rows when they fit on a page.
    with django_assert_num_queries(3):
        body = client.get(url).content.decode()
    assert 'aria-label="Pages"' not in body
