"""The provider's home lists the referrals waiting for its answer, longest-waiting first, with how long each has
waited and a link to the answer page; and the weekly behaviour updates due. The school's home lists the
placements causing concern. Each in a fixed number of queries however many rows."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from placements import behaviour, lifecycle
from placements.agreements import referral
from placements.models import BehaviourConcern
from tests.conftest import sign_in
from tests.placements.conftest import TWO_MORNINGS, make_ready, new_placement


def _proposed(world, sessions=TWO_MORNINGS, **fields):
    # Part-time, so that the provider stays within the DfE registration rule however many there are.
    placement = new_placement(world, **fields)
    lead = world.personas["a.ap_lead"]
    lifecycle.timetable_set(by=lead, placement=placement, sessions=sessions)
    return lifecycle.placement_propose(by=lead, placement=placement)


def _active(pw):
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    lifecycle.placement_activate(by=pw.personas["a.ap_lead"], placement=placement, today=date(2026, 11, 30))
    placement.refresh_from_db()
    return placement


def test_referrals_awaiting_an_answer_oldest_first_with_the_wait(pw, clock, client):
    clock.move_to("2026-11-20 10:00 +00:00")
    first = _proposed(pw, start_date=date(2026, 12, 7))
    clock.move_to("2026-11-23 10:00 +00:00")
    second = _proposed(pw, start_date=date(2026, 12, 7))
    answered = _proposed(pw, start_date=date(2026, 12, 7))
    other_provider = _proposed(pw, provider="a_other", start_date=date(2026, 12, 7))
    staff = pw.personas["a.provider_staff"]
    referral.referral_decline(by=staff, placement=answered, reason="No place this term.")
    clock.move_to("2026-11-25 10:00 +00:00")
    sign_in(client, staff)
    page = client.get(reverse("provider_dashboard")).content.decode()
    respond = [reverse("placements:referral_respond", kwargs={"placement_pk": p.pk}) for p in (first, second)]
    assert page.index(respond[0]) < page.index(respond[1])  # the longest-waiting first
    assert page.count('data-testid="awaiting-row"') == 2
    assert 'data-testid="awaiting-count">2<' in page
    assert "waiting 5\xa0days" in page and "waiting 2\xa0days" in page
    for p in (answered, other_provider):
        assert reverse("placements:referral_respond", kwargs={"placement_pk": p.pk}) not in page


def test_the_dashboards_queries_do_not_grow_with_rows(pw, clock, client, django_assert_num_queries):
    staff, head = pw.personas["a.provider_staff"], pw.personas["a.headteacher"]

    def add_rows():
        _proposed(pw, start_date=date(2026, 12, 7))
        clock.move_to("2026-11-20 10:00 +00:00")
        placement = _active(pw)
        clock.move_to("2026-12-01 10:00 +00:00")
        behaviour.causing_concern_mark(by=pw.personas["a.ap_lead"], placement=placement, reason="Fighting")

    add_rows()
    counts = {}
    for membership, name in ((staff, "provider_dashboard"), (head, "school_dashboard")):
        sign_in(client, membership)
        client.get(reverse(name))
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse(name)).content.decode()
        counts[name] = len(ctx.captured_queries)
        if name == "provider_dashboard":
            assert page.count('data-testid="update-due-row"') == 1
        else:
            assert page.count('data-testid="causing-concern-row"') == 1
    for _ in range(3):
        add_rows()
    for membership, name in ((staff, "provider_dashboard"), (head, "school_dashboard")):
        sign_in(client, membership)
        client.get(reverse(name))  # the session and memberships into the cache, as in the first count
        with django_assert_num_queries(counts[name]):
            page = client.get(reverse(name)).content.decode()
        if name == "provider_dashboard":
            assert page.count('data-testid="update-due-row"') == 4
            assert page.count('data-testid="awaiting-row"') == 4
        else:
            assert 'data-testid="causing-concern-count">4<' in page
    # This week's update written: no longer due.
    concern = BehaviourConcern.objects.filter(placement__provider=pw.providers["a"]).first()
    behaviour.behaviour_update_record(
        by=staff, placement=concern.placement, week_starting=date(2026, 11, 30), behaviour="b", attitude="a"
    )
    sign_in(client, staff)
    page = client.get(reverse("provider_dashboard")).content.decode()
    assert page.count('data-testid="update-due-row"') == 3


def test_the_waiting_count_goes_past_the_lists_limit(pw, clock, client, monkeypatch):
    monkeypatch.setattr("reports.selectors.LIST_LIMIT", 2)
    clock.move_to("2026-11-20 10:00 +00:00")
    for _ in range(3):
        _proposed(pw, start_date=date(2026, 12, 7))
    sign_in(client, pw.personas["a.provider_staff"])
    page = client.get(reverse("provider_dashboard")).content.decode()
    assert page.count('data-testid="awaiting-row"') == 2
    assert 'data-testid="awaiting-count">3<' in page
    assert 'data-testid="placement-total">3<' in page
