"""Retention: the due dates, the review the nightly job records, and the deletion a trust admin confirms."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from placements import retention
from placements.models import Attachment, Placement, Pupil, RetentionReview
from placements.safeguarding.models import ConcernAction, SafeguardingConcern
from tests.conftest import sign_in
from tests.factories import (
    AttachmentFactory,
    ConcernFactory,
    PlacementFactory,
    PupilFactory,
    RegisterMarkFactory,
)
from trusts import rls
from trusts.models import AccessLog, Notification, TrustPolicy

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 6, 1, 4, 15, tzinfo=LONDON)
PASSWORD = "a-long-and-unusual-test-password"


# --- Due dates -----------------------------------------------------------------------------------------------


def test_a_leap_day_birthday_falls_on_the_first_of_march_in_a_common_year():
    assert retention.birthday(date(2004, 2, 29), 25) == date(2029, 3, 1)
    assert retention.birthday(date(2004, 2, 29), 24) == date(2028, 2, 29)
    assert retention.birthday(date(2004, 3, 1), 25) == date(2029, 3, 1)
    assert retention.birthday(date(2004, 12, 31), 25) == date(2029, 12, 31)


def test_the_query_cutoff_agrees_with_the_birthday_for_every_day_of_four_years():
    births = [date(2003, 1, 1) + timedelta(days=n) for n in range(4 * 366)]
    for on in (date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1), date(2029, 2, 28), date(2029, 3, 1)):
        for age in (25, 26):
            cutoff = retention.born_on_or_before(on, age)
            for born in births:
                assert (retention.birthday(born, age) <= on) == (born <= cutoff), (on, age, born)


# --- The world of one trust: who is due and who is kept ------------------------------------------------------


ENDED = {"status": "ended", "ended_on": date(2021, 7, 20), "ended_outcome": "completed"}


def _pupil(world, born, **kwargs):
    return PupilFactory(school=world.schools["a1"], date_of_birth=born, **kwargs)


@pytest.fixture
def records(world):
    """Pupils of trust A on 1 June 2030, when those born on or before 1 June 2005 have turned 25."""
    old_born = date(2004, 1, 10)
    due = _pupil(world, old_born)
    ended = PlacementFactory(pupil=due, provider=world.providers["a"], **ENDED)
    mark = RegisterMarkFactory(
        expected_session__placement=PlacementFactory(pupil=due, provider=world.providers["a"], **ENDED)
    )
    attachment = AttachmentFactory(placement=ended)
    closed = ConcernFactory(
        placement=ended,
        status="closed",
        acknowledged_at=datetime(2019, 3, 1, 10, tzinfo=LONDON),
        outcome="social_care",
        closed_at=datetime(2019, 4, 1, 10, tzinfo=LONDON),
    )
    with scopes_disabled():
        closed.attachment.save("note.pdf", ContentFile(b"%PDF-1.4 concern"), save=True)
        ConcernAction.objects.create(
            trust=closed.trust,
            concern=closed,
            taken_at=NOW - timedelta(days=2000),
            description="Told social care.",
        )
    live = _pupil(world, old_born)
    PlacementFactory(pupil=live, provider=world.providers["a"], status="active")
    open_concern = _pupil(world, old_born)
    ConcernFactory(placement=PlacementFactory(pupil=open_concern, provider=world.providers["a"], **ENDED))
    young = _pupil(world, date(2012, 5, 17))
    other_trust = PupilFactory(school=world.schools["b1"], date_of_birth=old_born)
    with scopes_disabled(), rls.bypass():
        old_log = AccessLog.objects.create(
            trust=world.trust_a,
            username="x",
            role="dsl",
            subject_type="pupil",
            subject_id=due.pk,
            subject_label="log",
            path="/",
            ip_address=None,
        )
        recent_log = AccessLog.objects.create(
            trust=world.trust_a,
            username="x",
            role="dsl",
            subject_type="pupil",
            subject_id=young.pk,
            subject_label="log",
            path="/",
            ip_address=None,
        )
        AccessLog.objects.filter(pk=old_log.pk).update(at=datetime(2027, 1, 1, tzinfo=LONDON))
        AccessLog.objects.filter(pk=recent_log.pk).update(at=datetime(2029, 1, 1, tzinfo=LONDON))
    return {
        "due": due,
        "live": live,
        "open_concern": open_concern,
        "young": young,
        "other_trust": other_trust,
        "mark": mark,
        "files": [attachment.file.name, closed.attachment.name],
        "old_log": old_log,
        "recent_log": recent_log,
        "placements": [ended.pk, mark.expected_session.placement_id],
        "concern": closed,
    }


def _prepare(world):
    with scope(trust=world.trust_a.pk), rls.trust_context(world.trust_a.pk):
        return retention.retention_review_prepare(trust=world.trust_a, now=NOW)


def _exists(model, **lookup):
    with scopes_disabled(), rls.bypass():
        return model.objects.filter(**lookup).exists()


@pytest.mark.django_db
def test_the_job_lists_exactly_what_is_due_tells_the_admins_once_and_deletes_nothing(world, records):
    with time_machine.travel(NOW, tick=False):
        review = _prepare(world)
        again = _prepare(world)
    assert again.pk == review.pk
    assert review.status == "pending"
    assert review.due == {"pupils": [records["due"].pk]}
    assert review.counts["pupils"] == 1 and review.counts["placements"] == 2
    assert review.counts["safeguarding_concerns"] == 1 and review.counts["files"] == 2
    assert review.counts["access_log_rows"] == 1
    with scopes_disabled():
        assert RetentionReview.objects.filter(trust=world.trust_a).count() == 1
        told = Notification.objects.filter(kind="retention.review_due")
        assert {n.recipient_id for n in told} == {world.personas["a.trust_admin"].user_id}
        assert told.count() == 1
    assert _exists(Pupil, pk=records["due"].pk)
    assert _exists(AccessLog, pk=records["old_log"].pk)
    print(
        "proved: one pending review of exactly the due pupil and access-log row, one alert, nothing deleted"
    )


@pytest.mark.django_db
def test_a_leap_day_pupil_is_due_on_the_first_of_march(world):
    leapling = _pupil(world, date(2004, 2, 29))
    with (
        time_machine.travel(datetime(2029, 2, 28, 12, tzinfo=LONDON), tick=False),
        scope(trust=world.trust_a.pk),
    ):
        assert retention.retention_review_prepare(trust=world.trust_a) is None
    with (
        time_machine.travel(datetime(2029, 3, 1, 12, tzinfo=LONDON), tick=False),
        scope(trust=world.trust_a.pk),
    ):
        review = retention.retention_review_prepare(trust=world.trust_a)
    assert review.due["pupils"] == [leapling.pk]


@pytest.mark.django_db
def test_safeguarding_records_inside_their_longer_period_keep_the_pupil(world, records):
    with scopes_disabled():
        TrustPolicy.objects.filter(trust=world.trust_a).update(safeguarding_retention_birthday=30)
    plain = _pupil(world, date(2004, 1, 10))
    with time_machine.travel(NOW, tick=False):
        review = _prepare(world)
    # The pupil with a closed concern waits for their 30th birthday; the one without goes at 25.
    assert review.due["pupils"] == [plain.pk]


def _confirm(client, world, review, password=PASSWORD):
    admin = world.personas["a.trust_admin"]
    admin.user.set_password(PASSWORD)
    admin.user.save()
    sign_in(client, admin)
    return client.post(
        reverse("placements:retention_review", kwargs={"retention_review_pk": review.pk}),
        {"password": password},
    )


@pytest.mark.django_db
def test_confirming_deletes_exactly_the_due_records_their_history_and_files(
    world, records, client, django_capture_on_commit_callbacks, settings
):
    from placements.models import get_private_storage

    storage = get_private_storage()
    assert all(storage.exists(name) for name in records["files"])
    with time_machine.travel(NOW, tick=False):
        review = _prepare(world)
        with django_capture_on_commit_callbacks(execute=True):
            response = _confirm(client, world, review)
    assert response.status_code == 302
    due = records["due"]
    assert not _exists(Pupil, pk=due.pk)
    assert not _exists(Placement, pk__in=records["placements"])
    assert not _exists(SafeguardingConcern, pk=records["concern"].pk)
    assert not _exists(ConcernAction, concern_id=records["concern"].pk)
    assert not _exists(Attachment, placement_id__in=records["placements"])
    assert not _exists(type(records["mark"]), pk=records["mark"].pk)
    assert not _exists(Pupil.history.model, id=due.pk)
    assert not _exists(Placement.history.model, id__in=records["placements"])
    assert not _exists(SafeguardingConcern.history.model, id=records["concern"].pk)
    assert not any(storage.exists(name) for name in records["files"])
    assert not _exists(AccessLog, pk=records["old_log"].pk)
    # Everything else stays.
    for key in ("live", "open_concern", "young", "other_trust"):
        assert _exists(Pupil, pk=records[key].pk), key
    assert _exists(AccessLog, pk=records["recent_log"].pk)
    with scopes_disabled():
        review.refresh_from_db()
    # The lasting record: who, when and how many, never a name.
    assert review.status == "done" and review.done_at is not None
    assert review.confirmed_by == world.personas["a.trust_admin"].user and review.confirmed_at is not None
    assert review.deleted["pupils"] == 1 and review.deleted["placements"] == 2
    assert review.deleted["safeguarding_concerns"] == 1 and review.deleted["files"] == 2
    assert review.deleted["access_log_rows"] == 1 and review.deleted["pupils_kept"] == 0
    assert due.legal_last_name not in str(review.deleted) + str(review.counts) + review.confirmed_by_name
    page = client.get(reverse("placements:retention_review", kwargs={"retention_review_pk": review.pk}))
    assert 'data-testid="deleted"' in page.content.decode()
    print(
        "proved: confirm deleted the due pupil with placements, marks, concern, files and history; kept the rest"
    )


@pytest.mark.django_db
def test_a_review_gone_stale_deletes_only_what_is_still_due(
    world, records, client, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        review = _prepare(world)
        # Since the review, the pupil came back: a new placement is live.
        PlacementFactory(pupil=records["due"], provider=world.providers["a"], status="agreed")
        with django_capture_on_commit_callbacks(execute=True):
            _confirm(client, world, review)
    assert _exists(Pupil, pk=records["due"].pk)
    assert all(_exists(Placement, pk=pk) for pk in records["placements"])
    with scopes_disabled():
        review.refresh_from_db()
    assert review.status == "done" and review.deleted["pupils_kept"] == 1
    assert review.deleted.get("pupils", 0) == 0


@pytest.mark.django_db
def test_wrong_password_twice_confirmed_and_other_roles_are_refused(
    world, records, client, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOW, tick=False):
        review = _prepare(world)
        response = _confirm(client, world, review, password="not it")
        assert response.status_code == 200
        assert "That is not your password" in response.context["form"].errors["password"][0]
        with scopes_disabled():
            review.refresh_from_db()
        assert review.status == "pending" and _exists(Pupil, pk=records["due"].pk)
        with django_capture_on_commit_callbacks(execute=True):
            _confirm(client, world, review)
            second = client.post(
                reverse("placements:retention_review", kwargs={"retention_review_pk": review.pk}),
                {"password": PASSWORD},
                follow=True,
            )
    assert "already been confirmed" in second.content.decode()
    with scopes_disabled():
        review.refresh_from_db()
    assert review.deleted["pupils"] == 1
    url = reverse("placements:retention_review", kwargs={"retention_review_pk": review.pk})
    sign_in(client, world.personas["b.trust_admin"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"password": PASSWORD}).status_code == 404
    for key in ("a.trust_dsl", "a.headteacher", "a.ap_lead", "a.trust_governor"):
        sign_in(client, world.personas[key])
        assert client.get(url).status_code == 403, key
        assert client.post(url, {"password": PASSWORD}).status_code == 403, key


@pytest.mark.django_db
def test_nothing_is_deleted_without_confirmation_even_when_the_job_runs_again(world, records):
    with time_machine.travel(NOW, tick=False):
        review = _prepare(world)
        with scope(trust=world.trust_a.pk):
            assert retention.retention_review_carry_out(review_id=review.pk).status == "pending"
    assert _exists(Pupil, pk=records["due"].pk)


def _pages_queries(client, review):
    with CaptureQueriesContext(connection) as list_queries:
        assert client.get(reverse("placements:retention_reviews")).status_code == 200
    with CaptureQueriesContext(connection) as detail_queries:
        response = client.get(
            reverse("placements:retention_review", kwargs={"retention_review_pk": review.pk})
        )
        assert response.status_code == 200
    return len(list_queries), len(detail_queries), response


@pytest.mark.django_db
def test_pages_have_a_fixed_number_of_queries(world, client):
    for _n in range(2):
        _pupil(world, date(2004, 1, 10))
    with time_machine.travel(NOW, tick=False):
        review = _prepare(world)
        sign_in(client, world.personas["a.trust_admin"])
        _pages_queries(client, review)  # the session and memberships into the cache
        few = _pages_queries(client, review)
        for _n in range(20):
            _pupil(world, date(2004, 1, 10))
        review = _prepare(world)
        many = _pages_queries(client, review)
        with scopes_disabled():
            for _ in range(5):
                RetentionReview.objects.create(trust=world.trust_a, status="done", checked_at=NOW)
        more = _pages_queries(client, review)
    assert many[2].content.decode().count('data-testid="due-pupil"') == 22
    assert few[:2] == many[:2] == more[:2] == (4, 5), (few[:2], many[:2], more[:2])


@pytest.mark.django_db
def test_a_pupil_whose_placement_an_invoice_names_is_kept_with_it(
    world, records, client, django_capture_on_commit_callbacks
):
    from decimal import Decimal

    from reports.models import Invoice

    placement_pk = records["placements"][0]
    with scopes_disabled():
        placement = Placement.objects.get(pk=placement_pk)
        Invoice.objects.create(
            trust=placement.trust,
            placement=placement,
            number="INV-1",
            period_start=placement.start_date,
            period_end=placement.start_date,
            amount=Decimal("10.00"),
        )
    with time_machine.travel(NOW, tick=False):
        review = _prepare(world)
        with django_capture_on_commit_callbacks(execute=True):
            _confirm(client, world, review)
    # The whole pupil stays, nothing of theirs half-deleted; the old access-log row still goes.
    assert _exists(Pupil, pk=records["due"].pk)
    assert _exists(SafeguardingConcern, pk=records["concern"].pk)
    assert all(_exists(Placement, pk=pk) for pk in records["placements"])
    assert not _exists(AccessLog, pk=records["old_log"].pk)
    with scopes_disabled():
        review.refresh_from_db()
    assert (
        review.status == "done"
        and review.deleted["pupils_kept"] == 1
        and review.deleted.get("pupils", 0) == 0
    )
