"""Safer follow-ups and figures: nothing pre-selected, the parents' numbers on the page, an authorised code
needs a reason, one row per pupil, no absence flags on too few sessions, late marking and missing reasons
flagged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from attendance import services
from attendance.models import AbsenceFollowUp
from attendance.selectors import Figure
from tests.attendance import test_views
from tests.attendance.test_views import MON, at, session_of
from tests.conftest import sign_in
from tests.factories import CarerFactory
from trusts.errors import DomainError

# The Monday of the register tests: pupils at the provider from both schools.
day = test_views.day


def _absent(world, placement, d=MON, kind="am", reason=""):
    with scope(trust=world.trust_a.pk):
        services.mark_record(
            session=session_of(placement, d, kind),
            status="absent",
            absence_reason=reason,
            by_user=world.personas["a.provider_staff"].user,
        )
        services.chase_run()
        return AbsenceFollowUp.objects.get(expected_session=session_of(placement, d, kind))


def test_the_follow_up_page_chooses_no_code_and_fills_who_and_when(client, world, day):
    with scopes_disabled():
        CarerFactory(pupil=day["mine"].pupil, name="Kim Shaw", phone="0113 496 0456")
    item = _absent(world, day["mine"])
    world.personas["a.attendance_officer"].user.__class__.objects.filter(
        pk=world.personas["a.attendance_officer"].user_id
    ).update(first_name="Rae", last_name="Reid")
    sign_in(client, world.personas["a.attendance_officer"])
    response = client.get(reverse("attendance:follow_up", args=[item.pk]))
    body = response.content.decode()
    assert response.context["form"]["code"].value() in (None, "")
    assert "selected>I: Illness" not in body and 'value="I" selected' not in body
    assert response.context["form"]["contacted_by"].value() == "Rae Reid"
    assert 'value="2026-11-23T09:10"' in body
    assert 'href="tel:01134960456"' in body


def test_an_authorised_code_needs_a_reason(client, world, day):
    item = _absent(world, day["mine"])
    sign_in(client, world.personas["a.attendance_officer"])
    url = reverse("attendance:follow_up", args=[item.pk])
    data = {"contacted_by": "Ms Reid", "contacted_at": "2026-11-23T09:08", "outcome": "reason_given"}
    response = client.post(url, {**data, "code": "I", "reason": " "})
    assert "Code I authorises the absence: give the reason" in response.content.decode()
    response = client.post(url, {**data, "code": ""})
    assert response.status_code == 200
    with scopes_disabled():
        item.refresh_from_db()
    assert item.closed_at is None
    assert client.post(url, {**data, "code": "O", "outcome": "no_contact"}).status_code == 302


def test_the_service_refuses_an_authorised_code_without_a_reason(world, day):
    item = _absent(world, day["mine"])
    with scope(trust=world.trust_a.pk), pytest.raises(DomainError, match="authorises") as refused:
        services.follow_up_record(
            follow_up=item,
            contacted_by="Ms Reid",
            contacted_at=at(MON, 9, 5),
            outcome="reason_given",
            reason="",
            code="M",
            by_user=world.personas["a.attendance_officer"].user,
        )
    assert refused.value.field == "reason"


def test_follow_ups_of_one_pupil_are_one_row_with_the_school_on_trust_wide_lists(
    client, world, day, time_machine
):
    _absent(world, day["mine"])
    time_machine.move_to(at(MON, 13, 5), tick=False)
    _absent(world, day["mine"], kind="pm")
    time_machine.move_to(at(date(2026, 11, 24), 9, 5), tick=False)
    _absent(world, day["mine"], d=date(2026, 11, 24))
    _absent(world, day["other_school"], d=date(2026, 11, 24))
    sign_in(client, world.personas["a.attendance_officer"])
    response = client.get(reverse("attendance:follow_ups"))
    groups = response.context["groups"]
    assert [len(g.items) for g in groups] == [3]
    assert "3 absences" in response.content.decode()
    sign_in(client, world.personas["a.trust_dsl"])
    body = client.get(reverse("attendance:follow_ups")).content.decode()
    assert body.count('data-testid="follow-up-pupil-') == 2
    assert world.schools["a2"].name in body


def test_absence_flags_need_enough_sessions():
    assert not Figure("Two absences", possible=2, attended=0, absent=2, late=0).severe
    assert not Figure("Two absences", possible=2, attended=0, absent=2, late=0).persistent
    assert Figure("Ten", possible=10, attended=4, absent=6, late=0).severe
    assert Figure("Ten", possible=10, attended=8, absent=2, late=0).persistent
    assert not Figure("Ten", possible=10, attended=9, absent=1, late=0).persistent


def test_a_mark_made_hours_later_is_flagged_and_an_absence_without_reason_asks_for_one(
    client, world, day, time_machine
):
    time_machine.move_to(at(MON, 15, 0), tick=False)
    with scope(trust=world.trust_a.pk):
        services.mark_record(
            session=session_of(day["mine"]), status="absent", by_user=world.personas["a.provider_staff"].user
        )
        mark = session_of(day["mine"]).mark
        assert mark.late_marking
        assert mark.marked_at - mark.expected_session.starts_at > timedelta(hours=2)
    sign_in(client, world.personas["a.provider_staff"])
    body = client.get(reverse("attendance:register") + "?date=2026-11-23").content.decode()
    assert 'data-testid="late-marking"' in body and 'data-testid="reason-wanted"' in body
    sign_in(client, world.personas["a.attendance_officer"])
    body = client.get(reverse("attendance:school_register") + "?date=2026-11-23").content.decode()
    assert 'data-testid="late-marking"' in body and "no reason given" in body
