"""The first weeks of a placement: the set-up (welcome) meeting, the provider's initial assessment (due within
a week of the start, chased by the cadence reconciler) and the home/school agreement, agreed by the parents or
carers, the pupil, the school and the provider, its wording frozen and printable."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from placements.agreements.documents import render_home_school_pdf
from placements.common import lock_placement, require_school_side_of
from placements.models import HomeSchoolAgreement, Placement, SetupMeeting
from trusts.errors import DomainError
from trusts.permissions import require

HOME_SCHOOL_COMMITMENTS = {
    "pupil": [
        "Attend every session on time, and say if something gets in the way.",
        "Follow the provider's rules and safety instructions.",
        "Work towards the targets in my plan and take part in the reviews.",
    ],
    "parents": [
        "Make sure our child attends, and tell the school and the provider the same morning of any absence.",
        "Come to the reviews, and tell the school of anything that affects our child's safety or wellbeing.",
    ],
    "school": [
        "Stay responsible for the pupil's safety and welfare, and keep in touch every week.",
        "Review the placement at least every half-term with the pupil, the parents and the provider.",
    ],
    "provider": [
        "Take the register every session and report any absence to the school at once.",
        "Report progress every half-term, and any concern about behaviour or safety the same day.",
    ],
}


def _provider_or_school(by, placement, action: str):
    require(by, action, "Your role does not allow you to record this.")
    if by.provider_id is not None:
        if by.provider_id != placement.provider_id:
            raise DomainError("This placement is at another provider.")
    else:
        require_school_side_of(by, placement, action)


def setup_meeting_record(*, by, placement, held_on, attendees: str, notes: str = "") -> SetupMeeting:
    _provider_or_school(by, placement, "setup_meeting.record")
    problems = []
    if placement.status not in (Placement.Status.PROPOSED, *Placement.COMMITTED_STATUSES):
        problems.append("A set-up meeting is held once the placement is proposed to the provider.")
    if held_on > timezone.localdate():
        problems.append("The meeting date is in the future: record it once it has been held.")
    if not attendees.strip():
        problems.append("Say who came to the meeting.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    return SetupMeeting.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        held_on=held_on,
        attendees=attendees.strip(),
        notes=notes.strip(),
        recorded_by=by.user,
    )


def initial_assessment_record(*, by, placement, assessed_on, summary: str) -> Placement:
    _provider_or_school(by, placement, "initial_assessment.record")
    problems = []
    if not summary.strip():
        problems.append("Summarise what the initial assessment found.")
    if assessed_on > timezone.localdate():
        problems.append("The assessment date is in the future.")
    if assessed_on < placement.start_date:
        problems.append("The initial assessment is made once the pupil has started.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    with transaction.atomic():
        placement = lock_placement(placement)
        if placement.status not in Placement.COMMITTED_STATUSES:
            raise DomainError("The initial assessment is recorded for an agreed or running placement.")
        placement.initial_assessment_on = assessed_on
        placement.initial_assessment_summary = summary.strip()
        placement.initial_assessment_by = by.user
        placement.save(
            update_fields=[
                "initial_assessment_on",
                "initial_assessment_summary",
                "initial_assessment_by",
                "updated_at",
            ]
        )
    return placement


def home_school_agreement_record(
    *, by, placement, agreed_on, carers: str, pupil_agreed: bool, school_name: str, provider_name: str
) -> HomeSchoolAgreement:
    """Recorded once all four parties have agreed: the parents or carers, the pupil, the school and the
    provider. The wording is frozen with the names as agreed."""
    require_school_side_of(by, placement, "home_school.record")
    problems = []
    if not carers.strip():
        problems.append("Name the parents or carers who agreed.")
    if not pupil_agreed:
        problems.append("The pupil agrees to the home/school agreement too.")
    if not school_name.strip():
        problems.append("Name who agreed for the school.")
    if not provider_name.strip():
        problems.append("Name who agreed for the provider.")
    if agreed_on > timezone.localdate():
        problems.append("The agreement date is in the future.")
    if placement.status == Placement.Status.DRAFT or placement.status == Placement.Status.ENDED:
        problems.append("A home/school agreement is made for a proposed, agreed or running placement.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    contents = {
        "pupil": placement.pupil.legal_name,
        "school": placement.school.name,
        "provider": str(placement.provider),
        "start_date": placement.start_date.isoformat(),
        "agreed_on": agreed_on.isoformat(),
        "carers": carers.strip(),
        "school_name": school_name.strip(),
        "provider_name": provider_name.strip(),
        "commitments": HOME_SCHOOL_COMMITMENTS,
    }
    return HomeSchoolAgreement.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        agreed_on=agreed_on,
        carers=contents["carers"],
        pupil_agreed=True,
        school_name=contents["school_name"],
        provider_name=contents["provider_name"],
        contents=contents,
        recorded_by=by.user,
    )


def home_school_pdf(agreement) -> bytes:
    return render_home_school_pdf(contents=agreement.contents)
