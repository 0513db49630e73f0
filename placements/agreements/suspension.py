"""The suspension route (the trust's AP policy, section 8): suspensions recorded in school days, consecutive
ones added together; provision from the sixth school day of a run longer than five (the first for a
looked-after child); the parents told in writing at least 48 hours before it starts (start date, times,
address, whom to report to), and the placement made ready for that date."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from placements import rules
from placements.agreements.sla import sla_mark_if_outdated
from placements.common import lock_placement, require_school_side_of
from placements.models import Placement, Suspension, SuspensionNotice
from trusts.calendar import CalendarError, SchoolCalendar
from trusts.errors import DomainError
from trusts.permissions import require


def suspension_record(*, by, pupil, first_day, school_days: int, reason: str = "") -> Suspension:
    require(by, "suspension.record", "Your role does not allow you to record a suspension.")
    if by.school_id is not None and by.school_id != pupil.school_id:
        raise DomainError("This pupil belongs to another school.")
    if not school_days or school_days < 1:
        raise DomainError("A suspension lasts at least one school day.", field="school_days")
    try:
        rules.suspension_school_days(
            SchoolCalendar(pupil.school), first_day=first_day, school_days=school_days
        )
    except (ValueError, CalendarError) as problem:
        raise DomainError(str(problem), field="school_days") from None
    return Suspension.objects.create(
        trust_id=pupil.trust_id,
        pupil=pupil,
        first_day=first_day,
        school_days=school_days,
        reason=reason.strip(),
        recorded_by=by.user,
    )


def suspension_provision(pupil, *, calendar=None) -> dict:
    """The pupil's latest run of suspension days and the day provision must start (None if not needed)."""
    calendar = calendar or SchoolCalendar(pupil.school)
    run = rules.suspension_run(calendar, list(pupil.suspensions.all()))
    return {
        "run": run,
        "days": len(run),
        "provision_day": rules.suspension_provision_day(run, looked_after=pupil.looked_after),
    }


def suspension_notice_issue(
    *, by, placement, report_to: str, parents_consented: bool = False, now=None
) -> SuspensionNotice:
    require_school_side_of(by, placement, "notice.issue")
    now = now or timezone.now()
    pupil = placement.pupil
    if placement.reason != Placement.Reason.SUSPENSION:
        raise DomainError("This placement is not provision for a suspension.")
    if not report_to.strip():
        raise DomainError("Say whom the pupil reports to on the first day.", field="report_to")
    provision = suspension_provision(pupil)
    day = provision["provision_day"]
    if day is None:
        raise DomainError(
            f"The pupil's current suspension is {provision['days']} school day{'s' if provision['days'] != 1 else ''}: "
            "provision is arranged for a suspension of more than five school days."
        )
    sessions = [s for s in placement.sessions.all() if s.weekday == day.weekday()]
    if not sessions:
        raise DomainError(
            f"Provision starts on {day:%A %d %B %Y}, and the timetable has no session on a {day:%A}: add one."
        )
    first = min(sessions, key=lambda s: s.start_time)
    starts_at = timezone.make_aware(datetime.combine(day, first.start_time))
    sixth = provision["run"][rules.SUSPENSION_SCHOOL_DAYS_BEFORE_PROVISION]
    late = now > starts_at - timedelta(hours=rules.SUSPENSION_NOTICE_HOURS)
    if late and not (day < sixth and parents_consented):
        raise DomainError(
            f"The parents must have the notice at least {rules.SUSPENSION_NOTICE_HOURS} hours before the provision "
            f"starts ({starts_at:%A %d %B %Y at %H:%M}); with less notice only provision starting before the sixth "
            "day may go ahead, with the parents' consent."
        )
    with transaction.atomic():
        placement = lock_placement(placement)
        if placement.status == Placement.Status.ENDED:
            raise DomainError("This placement has ended.")
        fields = []
        if placement.start_date != day and placement.is_open:
            placement.start_date = day
            fields.append("start_date")
        last = provision["run"][-1]
        if placement.is_open and last > day and placement.planned_end_date != last:
            placement.planned_end_date = last
            fields.append("planned_end_date")
        if fields:
            placement.save(update_fields=[*fields, "updated_at"])
        provider = placement.provider
        contents = {
            "pupil": pupil.legal_name,
            "school": placement.school.name,
            "first_day": provision["run"][0].isoformat(),
            "suspension_days": provision["days"],
            "start_date": day.isoformat(),
            "start_label": f"{day:%A %d %B %Y}",
            "sessions": [
                {"day": s.get_weekday_display(), "session": s.get_session_display(), "times": s.times}
                for s in sorted(placement.sessions.all(), key=lambda s: (s.weekday, s.session))
            ],
            "provider": str(provider),
            "address": f"{provider.address}, {provider.postcode}".strip(", "),
            "report_to": report_to.strip(),
            "looked_after": pupil.looked_after,
            "short_notice_with_consent": bool(late),
            "given": f"{timezone.localtime(now):%d %B %Y at %H:%M}",
        }
        notice = SuspensionNotice.objects.create(
            trust_id=placement.trust_id,
            placement=placement,
            given_at=now,
            contents=contents,
            issued_by=by.user,
        )
    if fields:
        sla_mark_if_outdated(placement, by=by)
    return notice
