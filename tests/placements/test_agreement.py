"""Both sides of the agreement: the provider answers the referral, each side signs the SLA from its own
account, and a change after signing makes a new version that both sign again."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from placements import gates, lifecycle
from placements.agreements import referral, sla
from placements.models import Placement, SLAVersion
from tests.conftest import sign_in
from tests.factories import MembershipFactory
from tests.placements.conftest import (
    FULL_WEEK,
    make_ready,
    new_placement,
    provider_signer,
    school_signer,
)
from tests.placements.test_views import pdf_text
from trusts.errors import DomainError
from trusts.models import Membership, Notification, TrustPolicy
from trusts.roles import Role


def _proposed(world, **fields):
    placement = new_placement(world, **fields)
    lead = world.personas["a.ap_lead"]
    lifecycle.timetable_set(by=lead, placement=placement, sessions=FULL_WEEK)
    return lifecycle.placement_propose(by=lead, placement=placement)


def _kinds_for(membership):
    return list(Notification.objects.filter(recipient=membership.user).values_list("kind", flat=True))


# --- The provider's side of a referral ------------------------------------------------------------------


def test_a_proposal_tells_the_providers_staff_and_no_one_else(pw):
    other = MembershipFactory(trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"])
    placement = _proposed(pw)
    assert _kinds_for(pw.personas["a.provider_staff"]) == ["placements.proposed"]
    assert _kinds_for(other) == []
    note = Notification.objects.get(kind="placements.proposed")
    assert placement.pupil.legal_last_name not in note.subject  # initials only in what leaves the system
    assert "placements.proposed" not in _kinds_for(pw.personas["b.provider_staff"])


def test_accepting_records_the_start_and_key_worker_and_tells_the_school(pw):
    placement = _proposed(pw)
    staff = pw.personas["a.provider_staff"]
    gate = next(g for g in gates.placement_gates(placement) if g.code == "provider_accepted")
    assert not gate.met and "Waiting for" in gate.message
    referral.referral_accept(
        by=staff, placement=placement, start_date=date(2026, 12, 1), key_worker="Kim Key"
    )
    placement.refresh_from_db()
    assert placement.provider_response == "accepted" and placement.key_worker == "Kim Key"
    assert placement.start_date == date(2026, 12, 1) and placement.provider_responded_by == staff.user
    assert _kinds_for(pw.personas["a.ap_lead"]) == ["placements.referral_answered"]
    assert _kinds_for(pw.personas["a.headteacher"]) == ["placements.referral_answered"]
    assert _kinds_for(pw.personas["a2.ap_lead"]) == []
    assert next(g for g in gates.placement_gates(placement) if g.code == "provider_accepted").met


def test_declining_needs_a_reason_returns_the_draft_and_a_new_proposal_asks_again(pw, clock):
    placement = _proposed(pw)
    staff = pw.personas["a.provider_staff"]
    with pytest.raises(DomainError, match="Say why"):
        referral.referral_decline(by=staff, placement=placement, reason="  ")
    referral.referral_decline(by=staff, placement=placement, reason="No places until Easter.")
    placement.refresh_from_db()
    assert placement.status == "draft" and placement.provider_response == "declined"
    gate = next(g for g in gates.placement_gates(placement) if g.code == "provider_accepted")
    assert "No places until Easter." in gate.message
    assert "Referral declined" in Notification.objects.get(recipient=pw.personas["a.ap_lead"].user).subject
    clock.move_to("2026-11-23 09:00 +00:00")
    lifecycle.placement_propose(by=pw.personas["a.ap_lead"], placement=placement)
    placement.refresh_from_db()
    assert placement.provider_response == ""
    assert Notification.objects.filter(recipient=staff.user, kind="placements.proposed").count() == 2


def test_agreement_is_refused_before_the_provider_accepts(pw):
    placement = new_placement(pw)
    # Everything else ready, the provider not yet asked: a sequence that used to allow agreement.
    make_ready(pw, placement)
    Placement.objects.filter(pk=placement.pk).update(provider_response="")
    with pytest.raises(DomainError) as error:
        lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    assert any(p.startswith("Provider accepted the referral") for p in error.value.problems)


def test_bad_answers_are_refused_with_a_message(pw):
    placement = _proposed(pw)
    staff = pw.personas["a.provider_staff"]
    with pytest.raises(DomainError, match="start date has passed"):
        referral.referral_accept(by=staff, placement=placement, start_date=date(2026, 11, 1), key_worker="K")
    with pytest.raises(DomainError, match="key worker"):
        referral.referral_accept(by=staff, placement=placement, start_date=date(2026, 12, 1), key_worker="")
    other = MembershipFactory(trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"])
    with pytest.raises(DomainError, match="another provider"):
        referral.referral_accept(by=other, placement=placement, start_date=date(2026, 12, 1), key_worker="K")
    with pytest.raises(DomainError, match="provider's staff"):
        referral.referral_accept(
            by=pw.personas["a.ap_lead"], placement=placement, start_date=date(2026, 12, 1), key_worker="K"
        )
    referral.referral_accept(by=staff, placement=placement, start_date=date(2026, 12, 1), key_worker="K")
    with pytest.raises(DomainError, match="already accepted"):
        referral.referral_decline(by=staff, placement=placement, reason="Changed our minds")


@pytest.mark.django_db(transaction=True)
def test_two_staff_accepting_at_once_one_wins_the_other_is_told(clock):
    from tests.conftest import build_world
    from tests.placements.conftest import add_calendar, approve

    world = build_world()
    add_calendar(world.trust_a)
    approve(world.providers["a"])
    with scope(trust=world.trust_a.pk):
        placement = _proposed(world)
    second = MembershipFactory(trust=world.trust_a, role=Role.PROVIDER_STAFF, provider=world.providers["a"])
    barrier = threading.Barrier(2)
    accepted, refused, errors = [], [], []

    def accept(membership, worker):
        try:
            with scope(trust=world.trust_a.pk):
                barrier.wait()
                referral.referral_accept(
                    by=membership, placement=placement, start_date=date(2026, 12, 1), key_worker=worker
                )
                accepted.append(worker)
        except DomainError as error:
            refused.append(error.message)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=(world.personas["a.provider_staff"], "First")),
        threading.Thread(target=accept, args=(second, "Second")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(accepted) == 1 and len(refused) == 1
    assert "already accepted" in refused[0]
    with scopes_disabled():
        placement.refresh_from_db()
        assert placement.key_worker == accepted[0]
        assert Notification.objects.filter(kind="placements.referral_answered").count() == 2  # head, AP lead


def test_provider_staff_answer_on_the_referral_page(pw, client):
    placement = _proposed(pw, info_shared="Loves practical work; anxious in crowds.")
    url = reverse("placements:referral_respond", kwargs={"placement_pk": placement.pk})
    sign_in(client, pw.personas["a.provider_staff"])
    page = client.get(url).content.decode()
    assert "Loves practical work" in page and 'data-testid="accept"' in page
    response = client.post(url, {"decision": "accept", "start_date": "2026-11-30", "key_worker": ""})
    assert response.status_code == 200 and "Name the pupil" in response.content.decode()
    response = client.post(url, {"decision": "accept", "start_date": "2026-11-30", "key_worker": "Kim"})
    assert response.status_code == 302
    # A second answer, from a page left open: a clear message, nothing changed, never an error page.
    response = client.post(url, {"decision": "decline", "reason": "Full"}, follow=True)
    assert response.status_code == 200 and "already accepted" in response.content.decode()
    placement.refresh_from_db()
    assert placement.provider_response == "accepted"


def test_the_referral_page_is_the_providers_own(pw, client):
    placement = _proposed(pw)
    url = reverse("placements:referral_respond", kwargs={"placement_pk": placement.pk})
    other = MembershipFactory(trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"])
    sign_in(client, other)
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "decline", "reason": "x"}).status_code == 404
    sign_in(client, pw.personas["b.provider_staff"])
    assert client.get(url).status_code == 404
    sign_in(client, pw.personas["a.ap_lead"])
    assert client.get(url).status_code == 403
    placement.refresh_from_db()
    assert placement.provider_response == ""


# --- Signatures that mean something -------------------------------------------------------------------


def _to_sign(world):
    placement = new_placement(world)
    make_ready(world, placement)
    version = placement.sla_versions.get()
    SLAVersion.objects.filter(pk=version.pk).update(
        school_signed_at=None,
        school_signed_by=None,
        school_signatory_name="",
        school_signatory_role="",
        provider_signed_at=None,
        provider_signed_by=None,
        provider_signatory_name="",
        provider_signatory_role="",
        signed_pdf=None,
    )
    version.refresh_from_db()
    return placement, version


def test_each_side_signs_for_itself_with_its_own_name_role_and_time(pw):
    placement, version = _to_sign(pw)
    head, staff = school_signer(pw, placement), provider_signer(pw, placement)
    sla.sla_sign(by=head, version=version, fingerprint=version.fingerprint)
    version.refresh_from_db()
    assert version.school_signed_by == head.user and version.school_signatory_role == "Headteacher"
    assert version.school_signatory_name == head.user.get_full_name() and not version.provider_signed_at
    sla.sla_sign(by=staff, version=version)
    version.refresh_from_db()
    assert version.provider_signed_by == staff.user and version.provider_signatory_role == "Centre manager"
    assert version.fully_signed
    assert {n.recipient_id for n in Notification.objects.filter(kind="placements.sla_signed")} == {
        pw.personas["a.ap_lead"].user_id,
        staff.user_id,
    }


def test_no_one_signs_without_authority(pw):
    placement, version = _to_sign(pw)
    with pytest.raises(DomainError, match="Only the headteacher of Alderley Academy"):
        sla.sla_sign(by=pw.personas["a.ap_lead"], version=version)
    with pytest.raises(DomainError, match="another school"):
        sla.sla_sign(by=pw.personas["a2.headteacher"], version=version)
    staff = pw.personas["a.provider_staff"]
    Membership.objects.filter(pk=staff.pk).update(may_sign_agreements=False)
    staff.refresh_from_db()
    with pytest.raises(DomainError, match="authority to sign"):
        sla.sla_sign(by=staff, version=version)
    other = MembershipFactory(
        trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"], may_sign_agreements=True
    )
    with pytest.raises(DomainError, match="another provider"):
        sla.sla_sign(by=other, version=version)
    for key in ("a.trust_admin", "a.school_dsl", "a.attendance_officer"):
        with pytest.raises(DomainError):
            sla.sla_sign(by=pw.personas[key], version=version)
    version.refresh_from_db()
    assert not version.school_signed_at and not version.provider_signed_at
    # The trust lets the AP lead sign for the school: now the AP lead may.
    TrustPolicy.objects.filter(trust=pw.trust_a).update(school_signatory_roles=["headteacher", "ap_lead"])
    sla.sla_sign(by=pw.personas["a.ap_lead"], version=version)
    version.refresh_from_db()
    assert version.school_signatory_role == "AP lead"


def test_a_version_changed_since_it_was_read_is_not_signed(pw):
    placement, version = _to_sign(pw)
    head = school_signer(pw, placement)
    with pytest.raises(DomainError, match="not the one on record"):
        sla.sla_sign(by=head, version=version, fingerprint="0" * 64)
    lifecycle.placement_update(
        by=pw.personas["a.ap_lead"], placement=placement, rate=Decimal("99"), rate_unit="week"
    )
    with pytest.raises(DomainError, match="out of date"):
        sla.sla_sign(by=head, version=version, fingerprint=version.fingerprint)


def test_a_change_after_signing_makes_a_new_version_both_sign_again_with_the_differences(pw):
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    signed = placement.sla_versions.get()
    lifecycle.placement_update(
        by=pw.personas["a.ap_lead"], placement=placement, rate=Decimal("250"), rate_unit="week"
    )
    v2 = placement.sla_versions.get(number=2)
    assert v2.superseded_at is None and not v2.school_signed_at and not v2.provider_signed_at
    signed.refresh_from_db()
    assert signed.superseded_at is not None and signed.fully_signed  # the old signatures stay on record
    changes = sla.sla_differences(signed.snapshot, v2.snapshot)
    assert changes == [{"label": "Costs: per week", "before": "", "after": "250.00"}]
    told = Notification.objects.filter(kind="placements.sla_to_sign", key=f"sla-to-sign:{v2.pk}")
    assert {n.recipient_id for n in told} == {
        pw.personas["a.headteacher"].user_id,
        pw.personas["a.provider_staff"].user_id,
    }
    assert "sla" in {g.code for g in gates.unmet_blocking(gates.placement_gates(placement))}


def test_both_sides_read_the_agreement_page_and_download_the_same_signed_pdf(pw, client):
    placement = new_placement(pw)
    make_ready(pw, placement)
    version = placement.sla_versions.get()
    sla.sla_documents_render(trust_id=placement.trust_id, version_pk=version.pk)
    history = reverse("placements:sla_history", kwargs={"placement_pk": placement.pk})
    pdf = reverse("placements:sla_pdf", kwargs={"sla_pk": version.pk})
    bodies = []
    for key in ("a.headteacher", "a.provider_staff"):
        sign_in(client, pw.personas[key])
        page = client.get(history).content.decode()
        assert version.fingerprint in page and "Centre manager" in page and "Headteacher" in page
        bodies.append(client.get(pdf).content)
    assert bodies[0] == bodies[1]
    text = pdf_text(bodies[0])
    assert school_signer(pw, placement).user.get_full_name() in text
    assert provider_signer(pw, placement).user.get_full_name() in text


def test_the_agreement_pages_are_each_sides_own(pw, client):
    placement, version = _to_sign(pw)
    urls = [
        reverse("placements:sla_history", kwargs={"placement_pk": placement.pk}),
        reverse("placements:sla_pdf", kwargs={"sla_pk": version.pk}),
        reverse("placements:sla_sign_provider", kwargs={"sla_pk": version.pk}),
    ]
    other = MembershipFactory(trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"])
    for membership in (other, pw.personas["b.provider_staff"]):
        sign_in(client, membership)
        for url in urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"fingerprint": version.fingerprint, "confirm": "on"}).status_code == 404
    school_url = reverse("placements:sla_sign_school", kwargs={"sla_pk": version.pk})
    sign_in(client, pw.personas["a2.headteacher"])
    assert client.get(school_url).status_code == 404
    sign_in(client, pw.personas["a.provider_staff"])
    assert client.get(school_url).status_code == 403  # provider staff never sign for the school
    version.refresh_from_db()
    assert not version.school_signed_at and not version.provider_signed_at


def test_signing_on_the_page_without_authority_shows_why_and_records_nothing(pw, client):
    placement, version = _to_sign(pw)
    url = reverse("placements:sla_sign_school", kwargs={"sla_pk": version.pk})
    sign_in(client, pw.personas["a.ap_lead"])
    page = client.get(url).content.decode()
    assert 'data-testid="cannot-sign"' in page and 'data-testid="sign"' not in page
    response = client.post(url, {"fingerprint": version.fingerprint, "confirm": "on"}, follow=True)
    assert response.status_code == 200 and "Only the headteacher" in response.content.decode()
    sign_in(client, pw.personas["a.headteacher"])
    stale = client.post(url, {"fingerprint": "f" * 64, "confirm": "on"}, follow=True)
    assert "not the one on record" in stale.content.decode()
    version.refresh_from_db()
    assert not version.school_signed_at
    client.post(url, {"fingerprint": version.fingerprint, "confirm": "on"})
    version.refresh_from_db()
    assert version.school_signed_by == pw.personas["a.headteacher"].user


def test_the_agreement_page_has_a_fixed_number_of_queries(pw, client, django_assert_max_num_queries):
    placement = make_ready(pw, new_placement(pw))
    lead = pw.personas["a.ap_lead"]
    for cost in ("100", "110", "120"):
        lifecycle.placement_update(by=lead, placement=placement, rate=Decimal(cost), rate_unit="week")
        sla.sla_build_version(by=lead, placement=placement)
    url = reverse("placements:sla_history", kwargs={"placement_pk": placement.pk})
    sign_in(client, pw.personas["a.headteacher"])
    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert response.status_code == 200 and "Version 4" in response.content.decode()


# --- The headteacher's list -------------------------------------------------------------------------------


def test_the_heads_list_separates_ready_from_blocked_by_what(pw, client, django_assert_max_num_queries):
    ready = [make_ready(pw, new_placement(pw)) for _ in range(2)]
    blocked = [_proposed(pw) for _ in range(3)]
    elsewhere = new_placement(pw, school="a2", status="proposed")
    url = reverse("placements:awaiting_agreement")
    sign_in(client, pw.personas["a.headteacher"])
    client.get(url)  # warm the session and the trust's cached policy
    with django_assert_max_num_queries(20):
        body = client.get(url).content.decode()
    ready_part = body[body.index('data-testid="ready"') : body.index('data-testid="blocked"')]
    blocked_part = body[body.index('data-testid="blocked"') :]
    for p in ready:
        assert f'data-testid="agree-{p.pk}"' in ready_part
    for p in blocked:
        assert f'data-testid="blocked-{p.pk}"' in blocked_part and f"agree-{p.pk}" not in body
    assert 'data-gate="provider_accepted"' in blocked_part and "Personalised plan" in blocked_part
    assert f"blocked-{elsewhere.pk}" not in body and "Quillon" not in body
    # More placements, the same queries.
    more = [_proposed(pw) for _ in range(3)]
    with django_assert_max_num_queries(20):
        body = client.get(url).content.decode()
    assert all(f"blocked-{p.pk}" in body for p in more)
    response = client.post(
        reverse("placements:placement_agree", kwargs={"placement_pk": ready[0].pk}), {"next": "awaiting"}
    )
    assert response.status_code == 302 and response["Location"] == url
    ready[0].refresh_from_db()
    assert ready[0].status == "agreed"


def test_agree_is_offered_only_where_it_can_succeed(pw, client):
    blocked, ready = _proposed(pw), make_ready(pw, new_placement(pw))
    sign_in(client, pw.personas["a.headteacher"])
    page = client.get(
        reverse("placements:placement_detail", kwargs={"placement_pk": blocked.pk})
    ).content.decode()
    assert 'data-testid="agree"' not in page and "blocked by" in page
    page = client.get(
        reverse("placements:placement_detail", kwargs={"placement_pk": ready.pk})
    ).content.decode()
    assert 'data-testid="agree"' in page and 'data-testid="agree-blocked"' not in page


def test_only_the_head_has_the_list(pw, client):
    url = reverse("placements:awaiting_agreement")
    for key in ("a.ap_lead", "a.provider_staff", "a.trust_admin"):
        sign_in(client, pw.personas[key])
        assert client.get(url).status_code == 403


# --- Private attachments -------------------------------------------------------------------------------


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_documents_are_checked_on_upload_and_shared_only_as_the_school_chooses(pw, client):
    from tests.factories import MINIMAL_PDF

    placement = _proposed(pw)
    url = reverse("placements:attachment_upload", kwargs={"placement_pk": placement.pk})
    sign_in(client, pw.personas["a.ap_lead"])
    refused = client.post(url, {"kind": "ehcp", "file": _upload("ehcp.pdf", b"MZ\x90\x00 not a pdf")})
    assert refused.status_code == 200 and "Upload a PDF" in refused.content.decode()
    assert not placement.attachments.exists()
    client.post(url, {"kind": "ehcp", "title": "EHCP 2026", "file": _upload("ehcp.pdf", MINIMAL_PDF)})
    client.post(
        url,
        {
            "kind": "risk_assessment",
            "title": "Risk assessment",
            "shared_with_provider": "on",
            "file": _upload("risk.pdf", MINIMAL_PDF),
        },
    )
    private, shared = (
        placement.attachments.get(kind="ehcp"),
        placement.attachments.get(kind="risk_assessment"),
    )
    assert not private.file.name.endswith("ehcp.pdf")  # the stored name never comes from the uploader
    for key in ("a.ap_lead", "a.school_dsl"):
        sign_in(client, pw.personas[key])
        response = client.get(reverse("placements:attachment_download", kwargs={"attachment_pk": private.pk}))
        assert response.status_code == 200
        assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    sign_in(client, pw.personas["a.provider_staff"])
    page = client.get(
        reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})
    ).content.decode()
    assert "Risk assessment" in page and "EHCP 2026" not in page
    assert (
        client.get(reverse("placements:attachment_download", kwargs={"attachment_pk": shared.pk})).status_code
        == 200
    )
    assert (
        client.get(
            reverse("placements:attachment_download", kwargs={"attachment_pk": private.pk})
        ).status_code
        == 404
    )
    assert client.post(url, {"kind": "other", "file": _upload("x.pdf", MINIMAL_PDF)}).status_code == 403


def test_documents_are_the_placements_own(pw, client):
    from tests.factories import AttachmentFactory

    placement = _proposed(pw)
    shared = AttachmentFactory(placement=placement, shared_with_provider=True)
    url = reverse("placements:attachment_download", kwargs={"attachment_pk": shared.pk})
    other = MembershipFactory(trust=pw.trust_a, role=Role.PROVIDER_STAFF, provider=pw.providers["a_other"])
    for membership in (
        other,
        pw.personas["b.provider_staff"],
        pw.personas["a2.ap_lead"],
        pw.personas["b.ap_lead"],
    ):
        sign_in(client, membership)
        assert client.get(url).status_code == 404
    upload = reverse("placements:attachment_upload", kwargs={"placement_pk": placement.pk})
    sign_in(client, pw.personas["a2.ap_lead"])
    assert client.get(upload).status_code == 404
