"""The written notice to parents of an off-site direction (the 2010 regulations): its frozen contents and PDF."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django_scopes import scope

from placements import rules
from placements.agreements.documents import render_notice_pdf
from placements.common import require_school_side_of
from placements.models import Placement, ReferralNotice, TimetableSession
from trusts.calendar import CalendarError, SchoolCalendar
from trusts.errors import DomainError


def notice_session_times(sessions) -> list[dict]:
    """Per day, the times the 2010 regulations ask for: with two sessions, when the morning starts, the
    break starts and ends, and the afternoon ends; with one, when it starts and ends."""
    days = []
    for day, name in TimetableSession.WEEKDAYS:
        am = next((s for s in sessions if s.weekday == day and s.session == "am"), None)
        pm = next((s for s in sessions if s.weekday == day and s.session == "pm"), None)
        if am and pm:
            text = (
                f"Morning session starts {am.start_time:%H:%M}; break from {am.end_time:%H:%M} to "
                f"{pm.start_time:%H:%M}; afternoon session ends {pm.end_time:%H:%M}"
            )
        elif am or pm:
            only = am or pm
            text = f"One session, from {only.start_time:%H:%M} to {only.end_time:%H:%M}"
        else:
            continue
        days.append({"weekday": name, "text": text})
    return days


def referral_notice_issue(
    *, by, placement, notice_date, delivered_by, recipients, report_to, reasons, objectives
) -> ReferralNotice:
    """Issue the written notice of an off-site direction. Refused if it would not come at least two school
    days before the start. The number of days it states is counted from the school's calendar between the
    start and the planned end. Its contents are frozen under the placement's lock; the PDF is rendered from
    them once the notice has committed (``notice_document_render``)."""
    require_school_side_of(by, placement, "notice.issue")
    with transaction.atomic():
        Placement.objects.select_for_update().get(pk=placement.pk)
        placement = Placement.objects.select_related("school", "provider", "pupil", "trust__policy").get(
            pk=placement.pk
        )
        notice = _notice_freeze(
            by=by,
            placement=placement,
            notice_date=notice_date,
            delivered_by=delivered_by,
            recipients=recipients,
            report_to=report_to,
            reasons=reasons,
            objectives=objectives,
        )
    trust_id, notice_pk = notice.trust_id, notice.pk
    transaction.on_commit(lambda: notice_document_render(trust_id=trust_id, notice_pk=notice_pk))
    return notice


def notice_document_render(*, trust_id: int, notice_pk: int) -> ReferralNotice:
    """The second phase of issuing: render the notice's PDF from its frozen contents, once, and store it."""
    with scope(trust=trust_id):
        notice = ReferralNotice.objects.get(pk=notice_pk)
        if not notice.pdf:
            data = render_notice_pdf(contents=notice.contents)
            ReferralNotice.objects.filter(pk=notice_pk, pdf=b"").update(pdf=data)
        return ReferralNotice.objects.get(pk=notice_pk)


def _notice_freeze(
    *, by, placement, notice_date, delivered_by, recipients, report_to, reasons, objectives
) -> ReferralNotice:
    """Check the notice and store it with the contents it states (the PDF follows after the commit)."""
    problems = []
    if not placement.is_off_site_direction:
        raise DomainError("A notice is needed only for an off-site direction to improve behaviour.")
    sessions = list(placement.sessions.all())
    if not sessions:
        problems.append("Add the timetable first: the notice states the session times.")
    if placement.planned_end_date is None:
        problems.append(
            "Give the placement a planned end date first: the notice states how many school days the "
            "direction lasts."
        )
    for label, value in (
        ("who is given the notice", recipients),
        ("whom the pupil reports to", report_to),
        ("the reasons", reasons),
        ("the objectives", objectives),
    ):
        if not (value or "").strip():
            problems.append(f"Give {label}.")
    calendar = SchoolCalendar(placement.school)
    try:
        if not rules.notice_in_time(calendar, notice_date=notice_date, start_date=placement.start_date):
            earliest = rules.earliest_start_after_notice(calendar, notice_date)
            problems.append(
                f"A notice given on {notice_date:%A %d %B %Y} allows a start on {earliest:%A %d %B %Y} at the "
                f"earliest, but the placement starts on {placement.start_date:%A %d %B %Y}: move the start or "
                "give notice earlier."
            )
    except CalendarError as error:
        problems.append(str(error))
    number_of_days = 0
    if placement.planned_end_date is not None:
        number_of_days = rules.direction_school_days(
            calendar, start_date=placement.start_date, planned_end_date=placement.planned_end_date
        )
        if number_of_days < 1:
            problems.append("The school's calendar has no school days between the start and the planned end.")
    if problems:
        raise DomainError(problems[0], problems=problems)
    pupil, provider, school = placement.pupil, placement.provider, placement.school
    weekdays = {s.weekday for s in sessions}
    attending_days = sum(
        1
        for day in calendar.school_days(placement.start_date, placement.planned_end_date + timedelta(days=1))
        if day.weekday() in weekdays
    )
    contents = {
        "notice_date": f"{notice_date:%d %B %Y}",
        "recipients": recipients,
        "delivered_by": dict(ReferralNotice.DeliveredBy.choices)[delivered_by].lower(),
        "school": {"name": school.name, "address": school.address},
        "pupil": {
            "name": pupil.legal_name,
            "first_name": pupil.preferred_name or pupil.legal_first_name,
            "date_of_birth": f"{pupil.date_of_birth:%d %B %Y}",
        },
        "provider": {"name": provider.legal_name, "address": provider.address, "postcode": provider.postcode},
        "report_to": report_to,
        "start_date": f"{placement.start_date:%A %d %B %Y}",
        "number_of_days": number_of_days,
        "end_date": f"{placement.planned_end_date:%A %d %B %Y}",
        "attending_days": attending_days,
        "days": notice_session_times(sessions),
        "reasons": reasons,
        "objectives": objectives,
        "review_interval_weeks": placement.trust.policy.review_interval_weeks,
        "school_contact": placement.school_main_contact or school.name,
    }
    return ReferralNotice.objects.create(
        trust_id=placement.trust_id,
        placement=placement,
        notice_date=notice_date,
        delivered_by=delivered_by,
        recipients=recipients,
        report_to=report_to,
        number_of_days=number_of_days,
        reasons=reasons,
        objectives=objectives,
        contents=contents,
        pdf=b"",
        issued_by=by.user,
    )
