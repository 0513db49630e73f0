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
    EvidenceFactory,
    ExpectedSessionFactory,
    HomeSchoolAgreementFactory,
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


OBJECT_PARAMS = {
    "session_pk": _session,
    "mark_pk": _mark,
    "follow_up_pk": _follow_up,
    "pupil_pk": _pupil,
    "placement_pk": _placement,
    "sla_pk": _sla,
    "notice_pk": _notice,
    "review_pk": _review,
    "attachment_pk": _attachment,
    "home_school_pk": _home_school,
    "suspension_notice_pk": _suspension_notice,
    "membership_pk": _membership,
    "notification_pk": _notification,
    "provider_pk": _provider,
    "staff_pk": _staff,
    "evidence_pk": _evidence,
    "condition_pk": _condition,
}

# Parameters that are not object ids (password-reset links): filled with junk; the page must answer without
# an error and without leaking anything.
NON_OBJECT_PARAMS = {
    "uidb64": "MTIzNDU2",
    "token": "abc-0123456789abcdef",
}

# URL name prefixes the sweep does not walk: the Django admin is for staff accounts only and has its own tests.
EXCLUDED_NAMESPACES = {"admin"}
