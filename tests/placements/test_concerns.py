"""Safeguarding concerns: raised by provider or school staff, the DSLs told at once, escalated once when nobody
acknowledges them in time, acted on and closed by a DSL; seen by DSLs and by the person who raised it only."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from placements.safeguarding import services
from placements.safeguarding.models import SafeguardingConcern
from placements.tasks import escalate_concerns
from tests.conftest import sign_in
from tests.factories import BehaviourIncidentFactory, ConcernFactory, MembershipFactory, UserFactory
from tests.placements.conftest import new_placement
from trusts.errors import DomainError
from trusts.models import AccessLog, Notification, TrustPolicy
from trusts.roles import Role

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _raise(pw, placement, by="a.provider_staff", **fields):
    fields.setdefault("category", "exploitation")
    fields.setdefault(
        "account", "An older male picks her up after the session. She said: 'I'm scared of him.'"
    )
    fields.setdefault("occurred_at", NOW - timedelta(minutes=20))
    return services.concern_raise(by=pw.personas[by], placement=placement, **fields)


def _told(kind, concern, suffix):
    return sorted(
        Notification.objects.filter(kind=kind, key=f"concern:{concern.pk}:{suffix}").values_list(
            "recipient__username", "urgent"
        )
    )


@pytest.fixture
def placement(pw):
    return new_placement(pw, status="active")


def test_a_concern_raised_by_provider_staff_reaches_the_schools_and_the_trusts_dsls_at_once(pw, placement):
    concern = _raise(pw, placement)
    assert concern.status == "raised"
    assert concern.provider_id == pw.providers["a"].pk
    assert concern.school_id == placement.school_id
    assert _told("safeguarding.concern_raised", concern, "raised") == [
        ("a-school_dsl", True),
        ("a-trust_dsl", True),
    ]
    # The email names the pupil by initials only; the account stays behind sign-in.
    note = Notification.objects.filter(key=f"concern:{concern.pk}:raised").first()
    assert placement.pupil.legal_last_name not in note.subject + note.body
    assert "scared" not in note.body


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"account": "   "}, "account", "Write what was seen or said"),
        ({"category": "gossip"}, "category", "Choose one of the categories"),
        ({"occurred_at": NOW + timedelta(hours=2)}, "occurred_at", "in the future"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(pw, placement, fields, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        _raise(pw, placement, **fields)
    assert refused.value.field == field
    assert not SafeguardingConcern.objects.exists()
    assert not Notification.objects.exists()


def test_provider_staff_cannot_raise_for_a_pupil_not_placed_with_them(pw):
    elsewhere = new_placement(pw, provider="a_other", status="active")
    with pytest.raises(DomainError, match="not placed with your provider"):
        _raise(pw, elsewhere)
    draft = new_placement(pw, status="draft")
    with pytest.raises(DomainError, match="not placed with your provider"):
        _raise(pw, draft)
    with pytest.raises(DomainError, match="another school"):
        _raise(pw, new_placement(pw, school="a2", status="active"), by="a.ap_lead")
    with pytest.raises(DomainError, match="does not allow"):
        _raise(pw, elsewhere, by="a.school_governor")
    assert not SafeguardingConcern.objects.exists()


def test_an_attachment_that_is_not_what_it_says_is_refused(pw, placement):
    fake = SimpleUploadedFile("bruise.png", b"MZ\x90\x00 not an image at all", content_type="image/png")
    with pytest.raises(DomainError, match="Upload a PDF") as refused:
        _raise(pw, placement, attachment=fake)
    assert refused.value.field == "attachment"
    assert not SafeguardingConcern.objects.exists()


def test_an_attachment_is_kept_privately_and_served_only_to_who_may_see_the_concern(pw, placement, client):
    concern = _raise(pw, placement, attachment=SimpleUploadedFile("note.png", PNG, content_type="image/png"))
    assert concern.attachment.name.startswith(f"concerns/{pw.trust_a.pk}/")
    assert concern.attachment_type == "image/png"
    with pytest.raises(ValueError, match="no URL"):
        concern.attachment.url  # noqa: B018
    url = reverse("placements:concern_attachment", kwargs={"concern_pk": concern.pk})
    for key, status in (
        ("a.school_dsl", 200),
        ("a.provider_staff", 200),
        ("a.trust_dsl", 200),
        ("a.ap_lead", 404),
        ("a.school_governor", 404),
        ("a2.school_dsl", 404),
    ):
        sign_in(client, pw.personas[key])
        response = client.get(url)
        assert response.status_code == status, key
        if status == 200:
            assert b"".join(response.streaming_content) == PNG
            assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
        client.logout()


def test_acknowledging_twice_says_who_had_it(pw, placement):
    concern = _raise(pw, placement)
    services.concern_acknowledge(by=pw.personas["a.school_dsl"], concern=concern)
    with pytest.raises(DomainError, match="already acknowledged by Aschool_dsl"):
        services.concern_acknowledge(by=pw.personas["a.trust_dsl"], concern=concern)
    concern.refresh_from_db()
    assert concern.acknowledged_by == pw.personas["a.school_dsl"].user


@pytest.mark.django_db(transaction=True)
def test_two_dsls_acknowledging_at_once_one_wins(world):
    with scopes_disabled():
        placement = new_placement(world, status="active")
    with scope(trust=world.trust_a.pk):
        concern = services.concern_raise(
            by=world.personas["a.provider_staff"],
            placement=placement,
            category="neglect",
            account="No coat in the snow again.",
            occurred_at=datetime.now(UTC) - timedelta(minutes=5),
        )
    results, barrier = [], threading.Barrier(2)

    def press(key):
        try:
            with scope(trust=world.trust_a.pk):
                barrier.wait()
                services.concern_acknowledge(by=world.personas[key], concern=concern)
                results.append("ok")
        except DomainError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(key,)) for key in ("a.school_dsl", "a.trust_dsl")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]


def test_the_dsl_records_actions_and_closes_with_an_outcome(pw, placement):
    concern = _raise(pw, placement)
    dsl = pw.personas["a.school_dsl"]
    with pytest.raises(DomainError, match="Say what was done"):
        services.concern_action_record(by=dsl, concern=concern, description=" ")
    action = services.concern_action_record(
        by=dsl, concern=concern, description="Called the social worker; strategy meeting at 14:00."
    )
    assert action.taken_by == dsl.user and action.taken_at == NOW
    concern.refresh_from_db()
    # Acting on a concern acknowledges it: it will not be escalated.
    assert concern.status == "acknowledged" and concern.acknowledged_by == dsl.user
    with pytest.raises(DomainError, match="Choose the outcome"):
        services.concern_close(by=dsl, concern=concern, outcome="")
    services.concern_close(by=dsl, concern=concern, outcome="social_care", outcome_detail="Ref 12345")
    concern.refresh_from_db()
    assert (concern.status, concern.outcome, concern.closed_by) == ("closed", "social_care", dsl.user)
    with pytest.raises(DomainError, match="closed"):
        services.concern_action_record(by=dsl, concern=concern, description="More")
    with pytest.raises(DomainError, match="designated safeguarding lead"):
        services.concern_action_record(by=pw.personas["a.headteacher"], concern=concern, description="x")
    with pytest.raises(DomainError, match="another school"):
        services.concern_acknowledge(by=pw.personas["a2.school_dsl"], concern=_raise(pw, placement))


def test_an_unacknowledged_concern_escalates_once_to_the_head_and_the_trusts_dsls(pw, placement, clock):
    concern = _raise(pw, placement)
    acknowledged = _raise(pw, placement)
    services.concern_acknowledge(by=pw.personas["a.school_dsl"], concern=acknowledged)
    clock.move_to(NOW + timedelta(minutes=14))
    assert escalate_concerns(trust_id=pw.trust_a.pk) == 0
    clock.move_to(NOW + timedelta(minutes=15))
    assert escalate_concerns(trust_id=pw.trust_a.pk) == 1
    assert escalate_concerns(trust_id=pw.trust_a.pk) == 0
    assert _told("safeguarding.concern_escalated", concern, "escalated") == [
        ("a-headteacher", True),
        ("a-trust_dsl", True),
    ]
    assert not Notification.objects.filter(key=f"concern:{acknowledged.pk}:escalated").exists()
    concern.refresh_from_db()
    assert concern.escalated_at == NOW + timedelta(minutes=15)


def test_the_escalation_minutes_are_the_trusts(pw, placement, clock):
    TrustPolicy.objects.filter(trust=pw.trust_a).update(concern_escalation_minutes=5)
    _raise(pw, placement)
    clock.move_to(NOW + timedelta(minutes=5))
    assert escalate_concerns(trust_id=pw.trust_a.pk) == 1


def test_the_escalation_time_is_bounded(pw):
    policy = TrustPolicy.objects.get(trust=pw.trust_a)
    policy.concern_escalation_minutes = 240
    with pytest.raises(Exception, match="within the hour"):
        policy.full_clean()


# --- Pages --------------------------------------------------------------------------------------------


def _post_concern(client, placement, **data):
    data.setdefault("category", "exploitation")
    data.setdefault("occurred_at", "2026-11-20T09:40")
    data.setdefault("account", "She said she is scared of the man who collects her.")
    return client.post(reverse("placements:concern_raise", kwargs={"placement_pk": placement.pk}), data)


def test_provider_staff_raise_a_concern_from_the_placement_page(pw, placement, client):
    sign_in(client, pw.personas["a.provider_staff"])
    page = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
    assert 'data-testid="raise-concern"' in page.content.decode()
    response = _post_concern(client, placement, attachment=io.BytesIO(PNG))
    concern = SafeguardingConcern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("placements:concern_detail", kwargs={"concern_pk": concern.pk})
    page = client.get(response["Location"])
    assert "scared of the man" in page.content.decode()
    assert Notification.objects.filter(kind="safeguarding.concern_raised").count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"account": ""}, "Write what was seen or said"),
        ({"category": "gossip"}, "Choose one of the categories"),
        ({"occurred_at": "yesterday"}, "Enter a valid date/time"),
        ({"occurred_at": "2026-11-20T18:00"}, "in the future"),
    ],
)
def test_the_raise_page_shows_bad_input_next_to_the_field(pw, placement, client, data, message):
    sign_in(client, pw.personas["a.provider_staff"])
    response = _post_concern(client, placement, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SafeguardingConcern.objects.exists()


def test_a_fake_attachment_on_the_page_gets_a_message_not_an_error(pw, placement, client):
    sign_in(client, pw.personas["a.provider_staff"])
    upload = SimpleUploadedFile("photo.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    response = _post_concern(client, placement, attachment=upload)
    assert response.status_code == 200
    assert "Upload a PDF" in response.content.decode()
    assert not SafeguardingConcern.objects.exists()


def test_the_dsl_acknowledges_acts_and_closes_on_the_page(pw, placement, client):
    concern = _raise(pw, placement)
    sign_in(client, pw.personas["a.school_dsl"])
    kw = {"concern_pk": concern.pk}
    client.post(reverse("placements:concern_acknowledge", kwargs=kw))
    response = client.post(reverse("placements:concern_acknowledge", kwargs=kw), follow=True)
    assert "already acknowledged" in response.content.decode()
    client.post(
        reverse("placements:concern_action_add", kwargs=kw), {"description": "Rang the social worker"}
    )
    response = client.post(reverse("placements:concern_close", kwargs=kw), {"outcome": "bogus"}, follow=True)
    assert "Choose one of the outcomes" in response.content.decode()
    client.post(
        reverse("placements:concern_close", kwargs=kw), {"outcome": "police", "outcome_detail": "CAD 77"}
    )
    concern.refresh_from_db()
    assert concern.status == "closed" and concern.outcome == "police"
    assert list(concern.actions.values_list("description", flat=True)) == ["Rang the social worker"]


def test_every_view_of_a_concern_is_access_logged(pw, placement, client):
    concern = _raise(pw, placement)
    sign_in(client, pw.personas["a.provider_staff"])
    client.get(reverse("placements:concern_raise", kwargs={"placement_pk": placement.pk}))
    assert AccessLog.objects.filter(
        action="raising a safeguarding concern", user=pw.personas["a.provider_staff"].user
    ).exists()
    sign_in(client, pw.personas["a.school_dsl"])
    client.get(reverse("placements:concern_detail", kwargs={"concern_pk": concern.pk}))
    log = AccessLog.objects.get(action="viewed a safeguarding concern")
    assert (log.subject_id, log.user, log.school_id) == (
        placement.pupil_id,
        pw.personas["a.school_dsl"].user,
        placement.school_id,
    )


CONCERN_URLS = [
    ("placements:concern_detail", "get"),
    ("placements:concern_attachment", "get"),
    ("placements:concern_acknowledge", "post"),
    ("placements:concern_action_add", "post"),
    ("placements:concern_close", "post"),
]


def test_who_reaches_a_concern(pw, placement, client):
    """DSLs of the school and the trust act on it; the person who raised it reads it; everyone else, a governor
    and another provider's staff included, gets 404 on every concern URL."""
    other_provider_staff = MembershipFactory(
        user=UserFactory(username="a-other-provider"),
        trust=pw.trust_a,
        role=Role.PROVIDER_STAFF,
        provider=pw.providers["a_other"],
    )
    concern = _raise(pw, placement, attachment=SimpleUploadedFile("n.png", PNG, content_type="image/png"))
    incident = BehaviourIncidentFactory(placement=placement)
    expected_read = {"a.school_dsl", "a.trust_dsl", "a.provider_staff"}
    expected_manage = {"a.school_dsl", "a.trust_dsl"}
    personas = {k: m for k, m in pw.personas.items() if k.startswith(("a.", "a2."))}
    personas["other provider"] = other_provider_staff
    failures = []
    for key, membership in personas.items():
        sign_in(client, membership)
        for name, method in CONCERN_URLS:
            url = reverse(name, kwargs={"concern_pk": concern.pk})
            status = getattr(client, method)(url).status_code
            allowed = expected_manage if method == "post" else expected_read
            if (key in allowed) != (status in (200, 302)):
                failures.append(f"{key} {name}: {status}")
            if key not in allowed and status != 404:
                failures.append(f"{key} {name}: {status}, expected 404")
        status = client.get(reverse("placements:incident_to_concern", kwargs={"incident_pk": incident.pk}))
        if (key in expected_manage) != (status.status_code == 200):
            failures.append(f"{key} incident_to_concern: {status.status_code}")
        status = client.get(reverse("placements:concern_list")).status_code
        if key in ("a.school_governor", "a.trust_governor", "a2.school_governor") and status != 404:
            failures.append(f"{key} concern_list: {status}, expected 404")
        client.logout()
    assert not failures, "\n".join(failures)


def test_the_raiser_sees_only_their_own_concerns_in_the_list(pw, placement, client):
    mine = _raise(pw, placement)
    theirs = _raise(pw, placement, by="a.ap_lead")
    sign_in(client, pw.personas["a.provider_staff"])
    response = client.get(reverse("placements:concern_list"))
    assert [c.pk for c in response.context["page"]] == [mine.pk]
    sign_in(client, pw.personas["a.school_dsl"])
    response = client.get(reverse("placements:concern_list"))
    assert {c.pk for c in response.context["page"]} == {mine.pk, theirs.pk}


def test_a_dsl_turns_an_incident_into_a_concern(pw, placement, client):
    incident = BehaviourIncidentFactory(
        placement=placement, description="Bruises on both arms; said dad did it."
    )
    sign_in(client, pw.personas["a.school_dsl"])
    url = reverse("placements:incident_to_concern", kwargs={"incident_pk": incident.pk})
    assert "Bruises on both arms" in client.get(url).content.decode()
    response = client.post(
        url,
        {"category": "physical", "occurred_at": "2026-11-20T09:00", "account": incident.description},
    )
    concern = SafeguardingConcern.objects.get(from_incident=incident)
    assert response.status_code == 302
    assert concern.status == "acknowledged"
    # A second time leads to the same concern.
    assert client.get(url)["Location"].endswith(f"/concerns/{concern.pk}/")


@pytest.mark.parametrize("rows", [3, 10])
def test_concern_list_query_count_is_pinned(pw, client, django_assert_num_queries, rows):
    for _ in range(rows):
        ConcernFactory(placement=new_placement(pw, status="active"), raised_at=NOW)
    sign_in(client, pw.personas["a.school_dsl"])
    url = reverse("placements:concern_list")
    client.get(url)
    # sign-in (session, user, OTP, memberships), the count and the page of concerns, the nav's unread count
    # and the rest of the frame: the same for 3 rows as for 10.
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["page"].object_list) == rows


def test_the_raiser_sees_that_it_was_handled_not_what_was_done(pw, placement, client):
    concern = _raise(pw, placement)
    dsl = pw.personas["a.school_dsl"]
    services.concern_action_record(by=dsl, concern=concern, description="Rang the police child abuse team")
    services.concern_close(by=dsl, concern=concern, outcome="police", outcome_detail="Crime ref 991")
    sign_in(client, pw.personas["a.provider_staff"])
    body = client.get(
        reverse("placements:concern_detail", kwargs={"concern_pk": concern.pk})
    ).content.decode()
    assert "Acknowledged by" in body and "Closed by the DSL" in body
    assert "police child abuse team" not in body and "Crime ref 991" not in body
    sign_in(client, dsl)
    body = client.get(
        reverse("placements:concern_detail", kwargs={"concern_pk": concern.pk})
    ).content.decode()
    assert "police child abuse team" in body and "Crime ref 991" in body
