"""A placement causing concern: marked by the school or raised by the provider (the school told at once),
cleared by the school alone with a note, its history kept; meanwhile the provider writes a weekly behaviour and
attitude update (attendance from the registers, the week's incidents listed), asked for once a school week and
chased once when overdue, and the asks stop when the concern is cleared."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from placements import behaviour, lifecycle, reviews, tasks
from placements.models import BehaviourConcern, BehaviourUpdate
from tests.conftest import sign_in
from tests.factories import ExpectedSessionFactory, MembershipFactory, RegisterMarkFactory
from tests.placements.conftest import make_ready, new_placement
from trusts.errors import DomainError
from trusts.models import Notification
from trusts.roles import Role


def _active(pw, **fields):
    placement = make_ready(pw, new_placement(pw, **fields))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    lifecycle.placement_activate(by=pw.personas["a.ap_lead"], placement=placement, today=date(2026, 11, 30))
    placement.refresh_from_db()
    return placement


def _url(name, placement):
    return reverse(f"placements:{name}", kwargs={"placement_pk": placement.pk})


def _sent(kind):
    return sorted((n.recipient_id, n.key) for n in Notification.objects.filter(kind=kind))


def test_the_provider_raises_it_and_the_school_is_told_at_once(pw, clock):
    placement = _active(pw)
    clock.move_to("2026-12-01 10:00 +00:00")
    staff, lead, head = (pw.personas[k] for k in ("a.provider_staff", "a.ap_lead", "a.headteacher"))
    concern = behaviour.causing_concern_mark(by=staff, placement=placement, reason="Walked out twice.")
    assert concern.raised_by_side == "provider" and concern.raised_by == staff.user
    told = {n.recipient_id for n in Notification.objects.filter(kind="placements.causing_concern")}
    assert {lead.user_id, head.user_id} <= told
    assert all(n.urgent for n in Notification.objects.filter(kind="placements.causing_concern"))
    # Marked twice: a clear refusal, not a second row.
    with pytest.raises(DomainError, match="already marked"):
        behaviour.causing_concern_mark(by=pw.personas["a.ap_lead"], placement=placement, reason="Again")
    assert BehaviourConcern.objects.filter(placement=placement).count() == 1


def test_only_the_school_clears_it_with_a_note_and_the_history_is_kept(pw, clock, client):
    placement = _active(pw)
    clock.move_to("2026-12-01 10:00 +00:00")
    lead, staff = pw.personas["a.ap_lead"], pw.personas["a.provider_staff"]
    behaviour.causing_concern_mark(by=lead, placement=placement, reason="Refusing to attend lessons.")
    with pytest.raises(DomainError):
        behaviour.causing_concern_clear(by=staff, placement=placement, note="Better")
    with pytest.raises(DomainError, match="note"):
        behaviour.causing_concern_clear(by=lead, placement=placement, note="  ")
    concern = behaviour.causing_concern_clear(by=lead, placement=placement, note="Settled after the review.")
    assert concern.cleared_by == lead.user and concern.history.count() == 2
    with pytest.raises(DomainError, match="nothing to clear"):
        behaviour.causing_concern_clear(by=lead, placement=placement, note="Twice")
    # Cleared twice through the page: a message, no server error.
    sign_in(client, lead)
    response = client.post(_url("causing_concern_clear", placement), {"note": "Twice"}, follow=True)
    assert response.status_code == 200
    assert "nothing to clear" in response.content.decode()
    page = client.get(_url("placement_detail", placement)).content.decode()
    assert 'data-testid="past-concern"' in page and "Settled after the review." in page
    assert 'data-testid="mark-concern"' in page


def test_marking_is_refused_outside_a_running_placement_and_without_a_reason(pw, client):
    draft = new_placement(pw)
    lead = pw.personas["a.ap_lead"]
    with pytest.raises(DomainError, match="agreed or active"):
        behaviour.causing_concern_mark(by=lead, placement=draft, reason="x")
    placement = _active(pw)
    sign_in(client, lead)
    response = client.post(_url("causing_concern_mark", placement), {"reason": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not BehaviourConcern.objects.exists()


def test_an_update_when_not_in_concern_is_refused_clearly(pw, client, clock):
    placement = _active(pw)
    clock.move_to("2026-12-01 10:00 +00:00")
    staff = pw.personas["a.provider_staff"]
    with pytest.raises(DomainError, match="not causing concern"):
        behaviour.behaviour_update_record(
            by=staff, placement=placement, week_starting=date(2026, 11, 30), behaviour="b", attitude="a"
        )
    sign_in(client, staff)
    page = client.get(_url("behaviour_update_create", placement))
    assert page.status_code == 200 and 'data-testid="not-in-concern"' in page.content.decode()
    response = client.post(
        _url("behaviour_update_create", placement),
        {"week_starting": "2026-11-30", "behaviour": "b", "attitude": "a"},
    )
    assert response.status_code == 200 and not BehaviourUpdate.objects.exists()
    # Nonsense for the week: a field error, not a 500.
    behaviour.causing_concern_mark(by=staff, placement=placement, reason="Fights")
    response = client.post(
        _url("behaviour_update_create", placement),
        {"week_starting": "not-a-date", "behaviour": "b", "attitude": "a"},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_the_update_takes_attendance_from_the_registers_and_lists_the_weeks_incidents(pw, clock, client):
    placement = _active(pw)
    staff = pw.personas["a.provider_staff"]
    clock.move_to("2026-11-30 16:00 +00:00")
    behaviour.causing_concern_mark(
        by=pw.personas["a.ap_lead"], placement=placement, reason="Swearing at staff"
    )
    for status, day in [("present", 30), ("present", 1), ("absent", 2), ("late", 3)]:
        when = date(2026, 11, 30) if day == 30 else date(2026, 12, day)
        RegisterMarkFactory(
            expected_session=ExpectedSessionFactory(placement=placement, date=when), status=status
        )
    clock.move_to("2026-12-03 12:00 +00:00")
    reviews.incident_record(
        by=staff,
        placement=placement,
        occurred_at=datetime(2026, 12, 2, 11, 0, tzinfo=UTC),
        description="Threw a chair in maths.",
        category="damage",
    )
    clock.move_to("2026-12-04 15:00 +00:00")
    sign_in(client, staff)
    page = client.get(_url("behaviour_update_create", placement)).content.decode()
    assert "Threw a chair in maths." in page  # listed, not typed
    response = client.post(
        _url("behaviour_update_create", placement),
        {
            "week_starting": "2026-11-30",
            "behaviour": "Calmer after Wednesday.",
            "attitude": "Engaged in English.",
            "next_steps": "Mentor session Monday.",
        },
    )
    assert response.status_code == 302
    update = BehaviourUpdate.objects.get()
    assert (update.sessions_possible, update.sessions_attended) == (4, 3)
    assert [i["description"] for i in update.incidents] == ["Threw a chair in maths."]
    assert update.written_by == staff.user
    # The week is written: the same week again is refused with a message on the field.
    with pytest.raises(DomainError, match="written already"):
        behaviour.behaviour_update_record(
            by=staff, placement=placement, week_starting=date(2026, 11, 30), behaviour="b", attitude="a"
        )
    sign_in(client, pw.personas["a.ap_lead"])
    page = client.get(_url("placement_detail", placement)).content.decode()
    assert 'data-testid="causing-concern"' in page
    assert "attendance 75.0%, 3 of 4 sessions, from the registers" in page
    assert "Calmer after Wednesday." in page and "1 incident." in page


def test_weeks_of_concern_ask_once_a_school_week_and_chase_once(pw, clock):
    """Five weeks across the Christmas holiday and a closure day, the reconciler run twice a time."""
    placement = _active(pw)
    staff, lead = pw.personas["a.provider_staff"], pw.personas["a.ap_lead"]
    clock.move_to("2026-12-01 10:00 +00:00")
    concern = behaviour.causing_concern_mark(by=lead, placement=placement, reason="Truanting from lessons")

    def run(day):
        clock.move_to(f"{day} 08:00 +00:00")
        tasks.reconcile_cadence_all_trusts()
        tasks.reconcile_cadence_all_trusts()

    due_key = f"behaviour-update-due:{concern.pk}:"
    late_key = f"behaviour-update-overdue:{concern.pk}:"
    run("2026-12-01")
    run("2026-12-03")
    assert _sent("placements.behaviour_update_due") == [(staff.user_id, due_key + "2026-11-30")]
    assert _sent("placements.behaviour_update_overdue") == []
    run("2026-12-07")  # last week's is late; this week's is asked for
    assert _sent("placements.behaviour_update_due") == [
        (staff.user_id, due_key + "2026-11-30"),
        (staff.user_id, due_key + "2026-12-07"),
    ]
    assert _sent("placements.behaviour_update_overdue") == sorted(
        [(staff.user_id, late_key + "2026-11-30"), (lead.user_id, late_key + "2026-11-30")]
    )
    clock.move_to("2026-12-07 14:00 +00:00")
    behaviour.behaviour_update_record(
        by=staff, placement=placement, week_starting=date(2026, 11, 30), behaviour="b", attitude="a"
    )
    behaviour.behaviour_update_record(
        by=staff, placement=placement, week_starting=date(2026, 12, 7), behaviour="b", attitude="a"
    )
    Notification.objects.all().delete()
    run("2026-12-09")
    run("2026-12-11")
    assert not Notification.objects.filter(kind__startswith="placements.behaviour_update").exists()
    run("2026-12-14")
    run("2026-12-21")  # the holiday: last week's chased, nothing asked for the holiday week
    run("2026-12-28")
    run("2027-01-04")  # a closure day: the week's first school day is tomorrow
    assert _sent("placements.behaviour_update_due") == [(staff.user_id, due_key + "2026-12-14")]
    assert _sent("placements.behaviour_update_overdue") == sorted(
        [(staff.user_id, late_key + "2026-12-14"), (lead.user_id, late_key + "2026-12-14")]
    )
    run("2027-01-05")
    assert (staff.user_id, due_key + "2027-01-04") in _sent("placements.behaviour_update_due")
    # Cleared: the asks stop.
    clock.move_to("2027-01-06 12:00 +00:00")
    behaviour.causing_concern_clear(by=lead, placement=placement, note="Much better since the holiday.")
    Notification.objects.all().delete()
    run("2027-01-11")
    run("2027-01-18")
    assert not Notification.objects.filter(kind__startswith="placements.behaviour_update").exists()


def test_the_pages_answer_by_the_permissions_table(pw, client):
    placement = _active(pw)
    for key, mark, clear, write in [
        ("a.ap_lead", 200, 200, 403),
        ("a.headteacher", 200, 200, 403),
        ("a.provider_staff", 200, 403, 200),
        ("a.school_dsl", 403, 403, 403),
        ("a.school_governor", 403, 403, 403),
    ]:
        sign_in(client, pw.personas[key])
        assert client.get(_url("causing_concern_mark", placement)).status_code == mark, key
        assert client.get(_url("causing_concern_clear", placement)).status_code == clear, key
        assert client.get(_url("behaviour_update_create", placement)).status_code == write, key


def test_another_trust_school_or_provider_gets_404(pw, client):
    placement = _active(pw)
    other_staff = MembershipFactory(
        trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"]
    )
    for membership in (pw.personas["b.ap_lead"], pw.personas["a2.ap_lead"], other_staff):
        sign_in(client, membership)
        for name in ("causing_concern_mark", "causing_concern_clear", "behaviour_update_create"):
            response = client.post(_url(name, placement), {"reason": "x", "note": "x"})
            assert response.status_code in (403, 404), (membership, name)
            # 404 wherever the person holds the action: the placement is not theirs to see.
            holds = name == "causing_concern_mark" or (name == "behaviour_update_create") == (
                membership is other_staff
            )
            if holds:
                assert response.status_code == 404, (membership, name)
    assert not BehaviourConcern.objects.exists()


def _at_once(*calls):
    """Run each call in its own thread and connection, released together; returns (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            with scope(trust=call[0]):
                barrier.wait()
                results.append(call[1]())
        except DomainError as error:
            results.append(error)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_ask_once_and_two_writers_at_once_write_once(clock):
    from tests.conftest import build_world
    from tests.placements.conftest import add_calendar, approve

    world = build_world()
    add_calendar(world.trust_a)
    approve(world.providers["a"])
    trust_id = world.trust_a.pk
    second = MembershipFactory(trust=world.trust_a, role=Role.PROVIDER_STAFF, provider=world.providers["a"])
    with scope(trust=trust_id):
        placement = _active(world)
        clock.move_to("2026-12-01 10:00 +00:00")
        behaviour.causing_concern_mark(
            by=world.personas["a.ap_lead"], placement=placement, reason="Absconding"
        )
    today = date(2026, 12, 2)
    results, errors = _at_once(
        (trust_id, lambda: behaviour.behaviour_reconcile(today=today)),
        (trust_id, lambda: behaviour.behaviour_reconcile(today=today)),
    )
    assert errors == []
    with scopes_disabled():  # the two provider staff, once each
        told = Notification.objects.filter(kind="placements.behaviour_update_due")
        assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
            [world.personas["a.provider_staff"].user_id, second.user_id]
        )

    def write(membership, words):
        return lambda: behaviour.behaviour_update_record(
            by=membership,
            placement=placement,
            week_starting=date(2026, 11, 30),
            behaviour=words,
            attitude="a",
        )

    results, errors = _at_once(
        (trust_id, write(world.personas["a.provider_staff"], "First")),
        (trust_id, write(second, "Second")),
    )
    assert errors == []
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1 and "written already" in refused[0].message
    with scopes_disabled():
        assert BehaviourUpdate.objects.count() == 1


def test_the_placement_page_reads_concerns_and_updates_in_fixed_queries(
    pw, clock, client, django_assert_num_queries
):
    placement = _active(pw)
    lead, staff = pw.personas["a.ap_lead"], pw.personas["a.provider_staff"]
    url = _url("placement_detail", placement)

    def concern_with_update(week, day):
        clock.move_to(f"{day} 09:00 +00:00")
        behaviour.causing_concern_mark(by=lead, placement=placement, reason=f"Week of {week}")
        clock.move_to(f"{day} 16:00 +00:00")
        behaviour.behaviour_update_record(
            by=staff, placement=placement, week_starting=date.fromisoformat(week), behaviour="b", attitude="a"
        )

    counted = []

    def page_queries():
        sign_in(client, lead)
        client.get(url)
        if not counted:
            with CaptureQueriesContext(connection) as ctx:
                page = client.get(url).content.decode()
            counted.append(len(ctx.captured_queries))
            return page
        with django_assert_num_queries(counted[0]):
            return client.get(url).content.decode()

    concern_with_update("2026-11-30", "2026-11-30")
    assert page_queries().count('data-testid="behaviour-update"') == 1
    for week, cleared, day in [
        ("2026-12-07", "2026-12-04", "2026-12-07"),
        ("2026-12-14", "2026-12-11", "2026-12-14"),
    ]:
        clock.move_to(f"{cleared} 12:00 +00:00")
        behaviour.causing_concern_clear(by=lead, placement=placement, note="Better")
        concern_with_update(week, day)
    page = page_queries()
    assert page.count('data-testid="behaviour-update"') == 3
    assert page.count('data-testid="past-concern"') == 2
