"""Demo providers in every state of the vetting workflow, with evidence (some running out soon, some already
out of date), answered checklists and provider staff accounts. Found by natural keys first; a provider that
exists already is left exactly as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from providers import services
from providers.models import EVIDENCE_TYPES_BY_CODE, Evidence, Provider
from providers.selectors import checklist_rows, critical_evidence_codes
from trusts import membership_cache
from trusts.models import Membership
from trusts.roles import Role

S = Provider.Status


@dataclass(frozen=True)
class DemoProvider:
    slug: str
    trust: str
    legal_name: str
    status: str
    registration_status: str = Provider.RegistrationStatus.UNREGISTERED
    urn: str = ""
    risk_level: str = Provider.RiskLevel.LOWER
    risk_categories: tuple = ()
    provides_transport: bool = False
    trading_name: str = ""
    town: str = "Leeds"
    offer: str = ""
    cost_per_day: str = "85.00"
    staff: tuple = ()  # usernames of provider staff accounts
    # Evidence that runs out within the warning window, or has run out (evidence type codes).
    expiring: tuple = ()
    expired: tuple = ()
    extra_evidence: tuple = ("behaviour_policy", "complaints_policy", "first_aid_certificate")
    pending: tuple = ()  # uploaded by the provider, waiting for the trust
    conditions: tuple = field(default=())


PROVIDERS = (
    DemoProvider(
        "brightpath",
        "nlt",
        "Brightpath Learning CIC",
        S.APPROVED,
        trading_name="Brightpath",
        offer="English and maths to Functional Skills level 2; mentoring; PSHE.",
        staff=("brightpath.staff",),
        expiring=("public_liability_insurance",),
    ),
    DemoProvider(
        "forge",
        "nlt",
        "The Forge Engineering Academy Ltd",
        S.APPROVED_WITH_CONDITIONS,
        risk_level=Provider.RiskLevel.HIGHER,
        risk_categories=("workshop", "machinery"),
        offer="Engineering and welding, Level 1 certificate; construction multi-skills.",
        cost_per_day="110.00",
        staff=("forge.staff",),
        expired=("first_aid_certificate",),
        extra_evidence=("behaviour_policy", "machinery_inspection_records", "ppe_records"),
        conditions=("Send the renewed first aid at work certificates.",),
    ),
    DemoProvider(
        "meadow",
        "nlt",
        "Meadow Farm Education Trust",
        S.SUBMITTED,
        risk_level=Provider.RiskLevel.HIGHER,
        risk_categories=("animals_farm",),
        town="Otley",
        offer="Animal care and land-based studies; forest school.",
        staff=("meadow.staff",),
        pending=("employers_liability_insurance", "fire_risk_assessment"),
    ),
    DemoProvider(
        "northgate",
        "nlt",
        "Northgate Independent School",
        S.DRAFT,
        registration_status=Provider.RegistrationStatus.INDEPENDENT_SCHOOL,
        urn="148812",
        offer="Full-time GCSE programme for pupils with SEMH needs.",
        cost_per_day="160.00",
    ),
    DemoProvider(
        "streetwise",
        "nlt",
        "Streetwise Boxing Academy",
        S.REJECTED,
        town="Bradford",
        offer="Boxing fitness and mentoring.",
    ),
    DemoProvider(
        "revive",
        "nlt",
        "Revive Motors Training Ltd",
        S.SUSPENDED,
        risk_level=Provider.RiskLevel.HIGHER,
        risk_categories=("motor_vehicles", "workshop"),
        provides_transport=True,
        offer="Light vehicle maintenance, Level 1.",
        cost_per_day="120.00",
    ),
    DemoProvider(
        "harbour",
        "nlt",
        "Harbour Arts Collective",
        S.LAPSED,
        town="Bradford",
        offer="Music production, art and design; Arts Award.",
        expired=("safeguarding_policy",),
    ),
    DemoProvider(
        "riverside-skills",
        "rat",
        "Riverside Skills Hub Ltd",
        S.APPROVED,
        town="Manchester",
        offer="Hair and beauty, catering; Level 1 diplomas.",
        staff=("riverside-skills.staff",),
        expiring=("scr_dbs_assurance",),
    ),
)

INSURED = {
    "public_liability_insurance": Decimal("5000000"),
    "employers_liability_insurance": Decimal("10000000"),
    "professional_negligence_insurance": Decimal("2000000"),
    "motor_insurance": Decimal("5000000"),
}


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF saying what it stands for."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:90]
    stream = f"BT /F1 14 Tf 60 760 Td (Demo document) Tj 0 -24 Td /F1 11 Tf ({text}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _admin(trust):
    return (
        Membership.objects.filter(trust=trust, role=Role.TRUST_ADMIN)
        .select_related("user", "trust")
        .order_by("pk")
        .first()
    )


def _evidence(provider, code, *, issue, expiry, admin, pending=False):
    info = EVIDENCE_TYPES_BY_CODE[code]
    data = demo_pdf(f"{info['label']} - {provider.legal_name}")
    evidence = Evidence(
        trust=provider.trust,
        provider=provider,
        evidence_type=code,
        issue_date=issue,
        expiry_date=expiry if info["has_expiry"] else None,
        insured_amount=INSURED.get(code),
        original_name=f"{code.replace('_', '-')}.pdf",
        content_type="application/pdf",
        size=len(data),
        uploaded_by=admin.user,
        status=Evidence.Status.PENDING if pending else Evidence.Status.VERIFIED,
        verified_by=None if pending else admin.user,
        verified_at=None if pending else timezone.now(),
    )
    evidence.file.save("demo.pdf", ContentFile(data), save=False)
    evidence.save()
    return evidence


# Statuses a demo provider reaches through a real approval, so its vetting must pass the approval rule.
APPROVED_PATH = (S.APPROVED, S.APPROVED_WITH_CONDITIONS, S.SUSPENDED, S.LAPSED)


def _item_evidence_codes(spec: DemoProvider, rows, codes) -> list[str]:
    """Evidence kinds to add so that every required checklist item that names evidence has a document
    that is still in date: one of the item's own kinds, avoiding those the demo lets run out."""
    usable = set(codes) - set(spec.expired)
    extra = []
    for item, _ in rows:
        kinds = list(item.evidence_types or [])
        if not item.required or not kinds or usable & set(kinds):
            continue
        code = next((k for k in kinds if k not in spec.expired), kinds[0])
        usable.add(code)
        extra.append(code)
    return extra


def _answer_all(provider, admin, rows, *, answer="yes"):
    """Answer every required item ``answer`` and the rest not applicable, linking the provider's documents
    of the kinds each item names."""
    checklist = services.provider_checklist_start(provider=provider)
    by_type = {}
    for evidence in Evidence.objects.filter(provider=provider).order_by("pk"):
        by_type.setdefault(evidence.evidence_type, []).append(evidence.pk)
    answers = {}
    for item, _ in rows:
        value = answer if item.required else "na"
        linked = [pk for kind in item.evidence_types or [] for pk in by_type.get(kind, [])]
        answers[item.pk] = {
            "answer": value,
            "comment": "Seen on the vetting visit." if value == "yes" else "",
            "evidence": linked if value == "yes" else [],
        }
    services.checklist_answers_save(checklist=checklist, by=admin, answers=answers)


def _build(spec: DemoProvider, provider: Provider, admin, today: date):
    """Take a new provider to its demo state through the workflow services."""
    long_ago, in_a_year = today - timedelta(days=200), today + timedelta(days=330)
    checklist = services.provider_checklist_start(provider=provider)
    rows = checklist_rows(checklist)
    codes = list(
        dict.fromkeys(
            [*critical_evidence_codes(provider), *spec.extra_evidence, *spec.expiring, *spec.expired]
        )
    )
    if spec.status in APPROVED_PATH:
        codes += _item_evidence_codes(spec, rows, codes)
    if spec.status != S.DRAFT:
        for code in codes:
            if code in spec.pending:
                continue
            expiry = in_a_year
            if code in spec.expiring:
                expiry = today + timedelta(days=18)
            if code in spec.expired:
                expiry = today - timedelta(days=12)
            _evidence(provider, code, issue=long_ago, expiry=expiry, admin=admin)
        for code in spec.pending:
            _evidence(
                provider, code, issue=today - timedelta(days=5), expiry=in_a_year, admin=admin, pending=True
            )
    else:
        _evidence(provider, "registration_status_evidence", issue=long_ago, expiry=None, admin=admin)
    if spec.status == S.DRAFT:
        return
    _answer_all(provider, admin, rows)
    services.provider_submit(provider=provider, by=admin, reason="Vetting visit done.")
    if spec.status == S.SUBMITTED:
        return
    if spec.status == S.REJECTED:
        services.provider_reject(
            provider=provider, by=admin, reason="No DSL on site on the days our pupils would attend."
        )
        return
    # Approvals are dated back when the demo needs evidence that has since run out.
    decided_on = today - timedelta(days=30) if spec.expired else today
    conditions = [(text, today + timedelta(days=28)) for text in spec.conditions]
    services.provider_approve(
        provider=provider,
        by=admin,
        approved_until=today + timedelta(days=240),
        conditions=conditions,
        reason="Checks complete and the visit went well.",
        on=decided_on,
    )
    if spec.status == S.SUSPENDED:
        services.provider_suspend(
            provider=provider, by=admin, reason="A safeguarding concern is being looked into."
        )
    elif spec.status == S.LAPSED:
        reasons = services.missing_critical_evidence(provider=provider, on=today)
        services.provider_lapse(provider=provider, reason="; ".join(reasons))


def seed(people, context):
    today = timezone.localdate()
    providers = {}
    for trust in context["trusts"].values():
        services.checklist_template_current(trust=trust)
    for spec in PROVIDERS:
        trust = context["trusts"][spec.trust]
        provider, created = Provider.objects.get_or_create(
            trust=trust,
            legal_name=spec.legal_name,
            defaults={
                "trading_name": spec.trading_name,
                "address": f"1 Demo Street, {spec.town}",
                "postcode": "LS1 4AP",
                "phone": "0113 496 0000",
                "email": f"office@{spec.slug}.example.org",
                "contact_name": "Alex Morgan",
                "contact_email": f"alex@{spec.slug}.example.org",
                "contact_phone": "0113 496 0001",
                "dsl_name": "Jamie Ellis",
                "dsl_email": f"dsl@{spec.slug}.example.org",
                "dsl_phone": "0113 496 0002",
                "deputy_dsl_name": "Robin Shah",
                "registration_status": spec.registration_status,
                "urn": spec.urn,
                "la_directory_listed": spec.status in (S.APPROVED, S.APPROVED_WITH_CONDITIONS),
                "local_authority": spec.town,
                "risk_level": spec.risk_level,
                "risk_categories": list(spec.risk_categories),
                "offer_summary": spec.offer,
                "days_and_hours": "Monday to Friday, 9:30 to 14:30",
                "opens_at": time(9, 30),
                "closes_at": time(14, 30),
                "capacity": 12,
                "cost_per_day": Decimal(spec.cost_per_day),
                "provides_transport": spec.provides_transport,
            },
        )
        if created:
            _build(spec, provider, _admin(trust), today)
        for username in spec.staff:
            staff = people.person(
                username=username,
                role=Role.PROVIDER_STAFF,
                trust=trust,
                provider=provider,
                job_title="Centre manager",
            )
            # The centre manager signs agreements for the provider.
            Membership.objects.filter(pk=staff.pk).update(may_sign_agreements=True)
            membership_cache.forget(staff.user_id)
        providers[spec.slug] = provider
    context["providers"] = providers
