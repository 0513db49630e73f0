"""Factories for tests. Tenant-owned rows are created with scopes disabled: fixtures may bypass the scope,
the code under test may not."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from providers.models import ApprovalCondition, ApprovalEvent, Evidence, Provider
from trusts.models import (
    AcademicYear,
    ClosureDay,
    Invitation,
    Membership,
    Notification,
    School,
    Term,
    Trust,
    TrustPolicy,
)
from trusts.roles import Role


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")
    kind = Trust.Kind.MAT
    policy = factory.RelatedFactory("tests.factories.TrustPolicyFactory", factory_related_name="trust")


class TrustPolicyFactory(TenantFactory):
    class Meta:
        model = TrustPolicy

    trust = factory.SubFactory(TrustFactory, policy=None)


class SchoolFactory(TenantFactory):
    class Meta:
        model = School

    trust = factory.SubFactory(TrustFactory)
    name = factory.Sequence(lambda n: f"Test School {n}")
    urn = factory.Sequence(lambda n: f"{200000 + n}")
    phase = School.Phase.SECONDARY
    local_authority = "Leeds"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    password = factory.django.Password("correct-horse-battery")


class ProviderFactory(TenantFactory):
    class Meta:
        model = Provider

    trust = factory.SubFactory(TrustFactory)
    legal_name = factory.Sequence(lambda n: f"Test Provider {n} Ltd")
    address = "1 High Street, Leeds"
    postcode = "LS1 1AA"
    contact_name = "Pat Contact"
    contact_email = factory.Sequence(lambda n: f"provider{n}@example.org")
    registration_status = Provider.RegistrationStatus.UNREGISTERED


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    trust = factory.LazyAttribute(lambda o: o.school.trust if o.school else TrustFactory())
    role = Role.AP_LEAD
    school = factory.LazyAttribute(
        lambda o: (
            SchoolFactory() if o.role in (Role.HEADTEACHER, Role.AP_LEAD, Role.ATTENDANCE_OFFICER) else None
        )
    )


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Test authenticator"
    confirmed = True


class AcademicYearFactory(TenantFactory):
    class Meta:
        model = AcademicYear

    trust = factory.SubFactory(TrustFactory)
    name = "2026/27"
    start_date = date(2026, 9, 1)
    end_date = date(2027, 8, 31)


class TermFactory(TenantFactory):
    class Meta:
        model = Term

    academic_year = factory.SubFactory(AcademicYearFactory)
    trust = factory.SelfAttribute("academic_year.trust")
    name = Term.Name.AUTUMN
    start_date = date(2026, 9, 2)
    end_date = date(2026, 12, 18)
    half_term_start = date(2026, 10, 26)
    half_term_end = date(2026, 10, 30)


class ClosureDayFactory(TenantFactory):
    class Meta:
        model = ClosureDay

    trust = factory.SubFactory(TrustFactory)
    date = date(2026, 11, 27)


class InvitationFactory(TenantFactory):
    class Meta:
        model = Invitation

    school = factory.SubFactory(SchoolFactory)
    trust = factory.LazyAttribute(lambda o: o.school.trust if o.school else TrustFactory())
    email = factory.Sequence(lambda n: f"invited{n}@example.org")
    role = Role.AP_LEAD
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    approved_at = factory.LazyFunction(lambda: datetime.now(ZoneInfo("Europe/London")))
    expires_at = factory.LazyFunction(lambda: datetime.now(ZoneInfo("Europe/London")) + timedelta(days=7))


class NotificationFactory(TenantFactory):
    class Meta:
        model = Notification

    trust = factory.SubFactory(TrustFactory)
    recipient = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"test:{n}")
    kind = "test"
    subject = factory.Sequence(lambda n: f"Test notification {n}")
    body = "Something happened."


# --- Placements ---------------------------------------------------------------------------------------------


def _upn(n: int) -> str:
    from placements.upn import make_upn

    return make_upn(f"8012026{n:05d}")


class PupilFactory(TenantFactory):
    class Meta:
        model = "placements.Pupil"

    school = factory.SubFactory(SchoolFactory)
    trust = factory.SelfAttribute("school.trust")
    legal_first_name = factory.Sequence(lambda n: f"Pupil{n}")
    legal_last_name = factory.Sequence(lambda n: f"Surname{n}")
    date_of_birth = date(2012, 5, 17)
    upn = factory.Sequence(_upn)
    year_group = "9"


class CarerFactory(TenantFactory):
    class Meta:
        model = "placements.Carer"

    pupil = factory.SubFactory(PupilFactory)
    trust = factory.SelfAttribute("pupil.trust")
    name = factory.Sequence(lambda n: f"Carer {n}")
    relationship = "Mother"
    has_parental_responsibility = True
    phone = "0113 496 0000"


class PlacementFactory(TenantFactory):
    class Meta:
        model = "placements.Placement"

    pupil = factory.SubFactory(PupilFactory)
    trust = factory.SelfAttribute("pupil.trust")
    school = factory.SelfAttribute("pupil.school")
    provider = factory.SubFactory(ProviderFactory, trust=factory.SelfAttribute("..trust"))
    reason = "at_risk"
    start_date = date(2026, 11, 30)
    planned_end_date = date(2027, 2, 12)


class BehaviourIncidentFactory(TenantFactory):
    class Meta:
        model = "placements.BehaviourIncident"

    placement = factory.SubFactory(PlacementFactory)
    trust = factory.SelfAttribute("placement.trust")
    occurred_at = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    category = "damage"
    description = "Threw a chair in the workshop."


class ConcernFactory(TenantFactory):
    class Meta:
        model = "placements.SafeguardingConcern"

    placement = factory.SubFactory(PlacementFactory)
    trust = factory.SelfAttribute("placement.trust")
    pupil = factory.SelfAttribute("placement.pupil")
    school = factory.SelfAttribute("placement.school")
    category = "neglect"
    account = "Said there is no food at home."
    occurred_at = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    raised_by_name = "Test Person"
    raised_by_role = "Provider staff"
    raised_at = datetime(2026, 12, 1, 9, 40, tzinfo=ZoneInfo("Europe/London"))


class TimetableSessionFactory(TenantFactory):
    class Meta:
        model = "placements.TimetableSession"

    placement = factory.SubFactory(PlacementFactory)
    trust = factory.SelfAttribute("placement.trust")
    weekday = 0
    session = "am"
    start_time = time(9, 0)
    end_time = time(12, 0)


class ReviewFactory(TenantFactory):
    class Meta:
        model = "placements.Review"

    placement = factory.SubFactory(PlacementFactory)
    trust = factory.SelfAttribute("placement.trust")
    scheduled_for = date(2027, 1, 11)


class SLAVersionFactory(TenantFactory):
    class Meta:
        model = "placements.SLAVersion"

    placement = factory.SubFactory(PlacementFactory)
    trust = factory.SelfAttribute("placement.trust")
    number = 1
    snapshot = factory.LazyFunction(dict)
    fingerprint = "0" * 64
    pdf = b"%PDF-1.7 test"


class ReferralNoticeFactory(TenantFactory):
    class Meta:
        model = "placements.ReferralNotice"

    placement = factory.SubFactory(PlacementFactory, reason="off_site")
    trust = factory.SelfAttribute("placement.trust")
    notice_date = date(2026, 11, 25)
    delivered_by = "hand"
    recipients = "Parent"
    report_to = "Reception"
    number_of_days = 10
    reasons = "Reasons"
    objectives = "Objectives"
    contents = factory.LazyFunction(dict)
    pdf = b"%PDF-1.7 test"


class ExpectedSessionFactory(TenantFactory):
    class Meta:
        model = "attendance.ExpectedSession"

    placement = factory.SubFactory(PlacementFactory, status="active")
    trust = factory.SelfAttribute("placement.trust")
    pupil = factory.SelfAttribute("placement.pupil")
    school = factory.SelfAttribute("placement.school")
    provider = factory.SelfAttribute("placement.provider")
    date = date(2026, 11, 23)
    session = "am"
    starts_at = factory.LazyAttribute(
        lambda o: datetime.combine(
            o.date, time(9) if o.session == "am" else time(13), tzinfo=ZoneInfo("Europe/London")
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))


class RegisterMarkFactory(TenantFactory):
    class Meta:
        model = "attendance.RegisterMark"

    expected_session = factory.SubFactory(ExpectedSessionFactory)
    trust = factory.SelfAttribute("expected_session.trust")
    status = "absent"
    marked_by = factory.SubFactory(UserFactory)
    marked_at = factory.SelfAttribute("expected_session.starts_at")
    school_code = "N"


class AbsenceFollowUpFactory(TenantFactory):
    class Meta:
        model = "attendance.AbsenceFollowUp"

    expected_session = factory.SubFactory(ExpectedSessionFactory)
    trust = factory.SelfAttribute("expected_session.trust")
    school = factory.SelfAttribute("expected_session.school")
    opened_at = factory.SelfAttribute("expected_session.starts_at")


# A small but well-formed PDF, enough for content checks and for a browser to open.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class EvidenceFactory(TenantFactory):
    class Meta:
        model = Evidence

    provider = factory.SubFactory(ProviderFactory)
    trust = factory.SelfAttribute("provider.trust")
    evidence_type = "safeguarding_policy"
    issue_date = date(2026, 1, 1)
    expiry_date = date(2027, 1, 1)
    file = factory.django.FileField(data=MINIMAL_PDF, filename="document.pdf")
    original_name = "document.pdf"
    content_type = "application/pdf"
    size = len(MINIMAL_PDF)
    status = Evidence.Status.VERIFIED


class ApprovalEventFactory(TenantFactory):
    class Meta:
        model = ApprovalEvent

    provider = factory.SubFactory(ProviderFactory)
    trust = factory.SelfAttribute("provider.trust")
    from_status = Provider.Status.SUBMITTED
    to_status = Provider.Status.APPROVED_WITH_CONDITIONS
    actor_label = "Test admin"


class ApprovalConditionFactory(TenantFactory):
    class Meta:
        model = ApprovalCondition

    provider = factory.SubFactory(ProviderFactory)
    trust = factory.SelfAttribute("provider.trust")
    text = "Send the renewed fire risk assessment."
    due_date = date(2027, 1, 31)


class ChaseEventFactory(TenantFactory):
    class Meta:
        model = "attendance.ChaseEvent"

    expected_session = factory.SubFactory(ExpectedSessionFactory)
    trust = factory.SelfAttribute("expected_session.trust")
    kind = "consecutive"
    occurred_at = factory.SelfAttribute("expected_session.starts_at")
    detail = "6 sessions in a row"


class AttachmentFactory(TenantFactory):
    class Meta:
        model = "placements.Attachment"

    placement = factory.SubFactory(PlacementFactory, status="proposed")
    trust = factory.SelfAttribute("placement.trust")
    kind = "referral"
    shared_with_provider = True
    file = factory.django.FileField(data=MINIMAL_PDF, filename="document.pdf")
    original_name = "document.pdf"
    content_type = "application/pdf"
    size = len(MINIMAL_PDF)


class HomeSchoolAgreementFactory(TenantFactory):
    class Meta:
        model = "placements.HomeSchoolAgreement"

    placement = factory.SubFactory(PlacementFactory, status="proposed")
    trust = factory.SelfAttribute("placement.trust")
    agreed_on = date(2026, 11, 20)
    carers = "Chris Parent"
    pupil_agreed = True
    school_name = "Hal Head"
    provider_name = "Pat Contact"
    contents = factory.LazyAttribute(
        lambda o: {
            "pupil": o.placement.pupil.legal_name,
            "school": o.placement.school.name,
            "provider": str(o.placement.provider),
            "start_date": "2026-11-30",
            "agreed_on": "2026-11-20",
            "carers": o.carers,
            "school_name": o.school_name,
            "provider_name": o.provider_name,
            "commitments": {"pupil": [], "parents": [], "school": [], "provider": []},
        }
    )
