"""How the isolation sweep (tests/test_isolation_sweep.py) fills URL parameters.

Every path parameter of every URL pattern must have an entry here, or the sweep fails: that is how a new
URL is covered by construction. An entry is a function ``(world, target) -> value | None``:

- ``target == "other_trust"``: return the id of an object that belongs to the second trust ("Zebedee").
- ``target == "other_school"``: return the id of an object of the first trust that belongs to its second
  school ("Quillon"), or None if the object is trust-wide (then only the other-trust case applies).

Objects are created with the factories (scopes disabled). Name parameters ``<thing>_pk`` consistently across
apps so one filler serves every URL that takes that thing.
"""

from __future__ import annotations

from tests.factories import (
    AbsenceFollowUpFactory,
    ApprovalConditionFactory,
    AttachmentFactory,
    BehaviourIncidentFactory,
    ClosureDayFactory,
    ConcernFactory,
    EvidenceFactory,
    ExpectedSessionFactory,
    HomeSchoolAgreementFactory,
    InvitationFactory,
    NotificationFactory,
    PlacementFactory,
    PupilFactory,
    ReferralNoticeFactory,
    RegisterMarkFactory,
    ReviewFactory,
    SLAVersionFactory,
)


def _membership(world, target):
    # Another person's membership: switching to it must be refused exactly like an unknown trust.
    key = "b.ap_lead" if target == "other_trust" else "a2.ap_lead"
    return world.personas[key].pk


def _notification(world, target):
    recipient = world.personas["b.ap_lead"] if target == "other_trust" else world.personas["a2.ap_lead"]
    return NotificationFactory(trust=recipient.trust, recipient=recipient.user).pk


def _school(world, target):
    return world.schools["b1"] if target == "other_trust" else world.schools["a2"]


def _placement_obj(world, target):
    # Proposed, so that provider staff would see it if isolation failed (drafts are hidden from them anyway).
    school = _school(world, target)
    provider = world.providers["b"] if target == "other_trust" else world.providers["a"]
    return PlacementFactory(pupil=PupilFactory(school=school), provider=provider, status="proposed")


def _pupil(world, target):
    return PupilFactory(school=_school(world, target)).pk


def _placement(world, target):
    return _placement_obj(world, target).pk


def _sla(world, target):
    return SLAVersionFactory(placement=_placement_obj(world, target)).pk


def _notice(world, target):
    return ReferralNoticeFactory(placement=_placement_obj(world, target)).pk


def _attachment(world, target):
    # Shared with the provider, so that provider staff would see it if isolation failed.
    return AttachmentFactory(placement=_placement_obj(world, target), shared_with_provider=True).pk


def _home_school(world, target):
    return HomeSchoolAgreementFactory(placement=_placement_obj(world, target)).pk


def _suspension_notice(world, target):
    from django_scopes import scopes_disabled

    from placements.models import SuspensionNotice

    placement = _placement_obj(world, target)
    with scopes_disabled():
        return SuspensionNotice.objects.create(
            trust=placement.trust,
            placement=placement,
            given_at="2026-11-20T09:00:00+00:00",
            contents={"pupil": placement.pupil.legal_name, "school": placement.school.name, "sessions": []},
        ).pk


def _review(world, target):
    return ReviewFactory(placement=_placement_obj(world, target)).pk


def _active_placement(world, target):
    from django_scopes import scopes_disabled

    placement = _placement_obj(world, target)
    with scopes_disabled():
        placement.status = "active"
        placement.save(update_fields=["status"])
    return placement


def _session(world, target):
    return ExpectedSessionFactory(placement=_active_placement(world, target)).pk


def _mark(world, target):
    return RegisterMarkFactory(
        expected_session=ExpectedSessionFactory(placement=_active_placement(world, target))
    ).pk


def _follow_up(world, target):
    session = ExpectedSessionFactory(placement=_active_placement(world, target))
    RegisterMarkFactory(expected_session=session)
    return AbsenceFollowUpFactory(expected_session=session).pk


def _concern(world, target):
    # Raised by the staff of the persona's own provider at the other school (or the other trust's provider's
    # staff): were isolation to fail, they would be the ones to see it.
    placement = _placement_obj(world, target)
    raiser = world.personas["b.provider_staff"] if target == "other_trust" else world.personas["a2.ap_lead"]
    return ConcernFactory(
        placement=placement,
        provider=placement.provider if target == "other_trust" else None,
        raised_by=raiser.user,
    ).pk


def _incident(world, target):
    return BehaviourIncidentFactory(placement=_active_placement(world, target)).pk


# Providers are trust-wide (every school of the trust uses the same register), so only the other trust's
# objects are swept for them.
def _provider(world, target):
    return world.providers["b"].pk if target == "other_trust" else None


def _staff(world, target):
    # A provider-staff membership of the other trust's provider (provider staff belong to no school).
    return world.personas["b.provider_staff"].pk if target == "other_trust" else None


def _evidence(world, target):
    if target != "other_trust":
        return None
    return EvidenceFactory(provider=world.providers["b"]).pk


def _condition(world, target):
    if target != "other_trust":
        return None
    return ApprovalConditionFactory(provider=world.providers["b"]).pk


# QA records belong to a provider and are trust-wide for the school side (like the provider register), so only
# the other trust's are swept; each is for the other trust's provider, whose staff would see it if isolation
# failed.
def _qa_visit(world, target):
    if target != "other_trust":
        return None
    from tests.qa.conftest import CompletedVisitFactory

    return CompletedVisitFactory(provider=world.providers["b"]).pk


def _qa_action(world, target):
    if target != "other_trust":
        return None
    from tests.qa.conftest import CompletedVisitFactory, ImprovementActionFactory

    return ImprovementActionFactory(visit=CompletedVisitFactory(provider=world.providers["b"])).pk


def _qa_flag(world, target):
    if target != "other_trust":
        return None
    from tests.qa.conftest import CompletedVisitFactory, ProviderFlagFactory

    visit = CompletedVisitFactory(provider=world.providers["b"], outcome="does_not_meet")
    return ProviderFlagFactory(visit=visit).pk


def _person(world, target):
    # A person on the people pages: an AP lead of the other trust's school, or of the first trust's other
    # school. A new one each time, not a persona: the permissions walk suspends and removes whoever it gets.
    from tests.factories import MembershipFactory

    return MembershipFactory(role="ap_lead", school=_school(world, target)).pk


def _invitation(world, target):
    return InvitationFactory(school=_school(world, target), role="ap_lead").pk


def _school_pk(world, target):
    return _school(world, target).pk


def _run(world, target):
    from datetime import date

    from django_scopes import scopes_disabled

    from reports.models import ReportRun

    school = _school(world, target)
    with scopes_disabled():
        return ReportRun.objects.create(
            trust=school.trust,
            school=school,
            period_start=date(2026, 9, 2),
            period_end=date(2026, 12, 18),
            title=f"Report of {school.name}",
            key=f"{school.pk}:sweep:{target}",
            status="done",
            progress=100,
            pdf=school.name.encode(),
        ).pk


def _invoice(world, target):
    from decimal import Decimal

    from django_scopes import scopes_disabled

    from reports.models import Invoice

    placement = _placement_obj(world, target)
    with scopes_disabled():
        return Invoice.objects.create(
            trust=placement.trust,
            placement=placement,
            number=f"SWEEP-{placement.pk}",
            period_start=placement.start_date,
            period_end=placement.start_date,
            amount=Decimal("10.00"),
        ).pk


def _closure(world, target):
    school = _school(world, target)
    return ClosureDayFactory(trust=school.trust, school=school).pk


def _retention_review(world, target):
    # Trust-wide: only another trust's applies. One pending review a trust at most, so reuse it.
    if target != "other_trust":
        return None
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from placements.models import RetentionReview

    pupil = PupilFactory(school=world.schools["b1"])
    with scopes_disabled():
        review, _ = RetentionReview.objects.get_or_create(
            trust=world.trust_b,
            status=RetentionReview.Status.PENDING,
            defaults={"checked_at": timezone.now(), "due": {"pupils": [pupil.pk]}, "counts": {"pupils": 1}},
        )
    return review.pk


OBJECT_PARAMS = {
    "person_pk": _person,
    "invitation_pk": _invitation,
    "school_pk": _school_pk,
    "closure_pk": _closure,
    "session_pk": _session,
    "mark_pk": _mark,
    "follow_up_pk": _follow_up,
    "pupil_pk": _pupil,
    "placement_pk": _placement,
    "sla_pk": _sla,
    "notice_pk": _notice,
    "review_pk": _review,
    "concern_pk": _concern,
    "incident_pk": _incident,
    "attachment_pk": _attachment,
    "home_school_pk": _home_school,
    "suspension_notice_pk": _suspension_notice,
    "membership_pk": _membership,
    "notification_pk": _notification,
    "provider_pk": _provider,
    "staff_pk": _staff,
    "evidence_pk": _evidence,
    "condition_pk": _condition,
    "visit_pk": _qa_visit,
    "action_pk": _qa_action,
    "flag_pk": _qa_flag,
    "run_pk": _run,
    "invoice_pk": _invoice,
    "retention_review_pk": _retention_review,
}

# Parameters that are not object ids (password-reset links): filled with junk; the page must answer without
# an error and without leaking anything.
NON_OBJECT_PARAMS = {
    "uidb64": "MTIzNDU2",
    "token": "abc-0123456789abcdef",
    # A calendar link is a secret token: a made-up one must find nothing.
    "feed_token": "not-a-real-calendar-token",
}

# URL name prefixes the sweep does not walk: the Django admin is for staff accounts only and has its own tests.
EXCLUDED_NAMESPACES = {"admin"}
