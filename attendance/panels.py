"""The attendance panel on the placement and pupil pages (registered with placements.panels from
AttendanceConfig.ready(), so placements never imports attendance)."""

from __future__ import annotations

from django.utils import timezone

from attendance import selectors
from attendance.views import ARRANGEMENT_EDITORS, SCHOOL_READERS
from trusts.roles import Role

# Before agreement no sessions are expected, so there is nothing to show.
PLACEMENT_STATUSES_WITH_ATTENDANCE = ("agreed", "active", "ended")


def placement_attendance_panel(request, placement):
    membership = request.membership
    is_school = membership.role in SCHOOL_READERS
    if placement.status not in PLACEMENT_STATUSES_WITH_ATTENDANCE:
        return None
    if not is_school and membership.role != Role.PROVIDER_STAFF:
        return None
    summary = selectors.attendance_summary(
        membership, today=timezone.localdate(), placement=placement, with_alerts=is_school
    )
    return {
        "template": "attendance/_panel.html",
        "context": {
            "summary": summary,
            "is_school": is_school,
            "is_provider": membership.role == Role.PROVIDER_STAFF,
            "arrangements": [placement] if membership.role in ARRANGEMENT_EDITORS else [],
            "scope": "placement",
        },
    }


def pupil_attendance_panel(request, pupil):
    membership = request.membership
    if membership.role not in SCHOOL_READERS:
        return None
    summary = selectors.attendance_summary(membership, today=timezone.localdate(), pupil=pupil)
    arrangements = []
    if membership.role in ARRANGEMENT_EDITORS:
        arrangements = list(
            pupil.placements.filter(status__in=("agreed", "active")).select_related("provider").order_by("pk")
        )
    return {
        "template": "attendance/_panel.html",
        "context": {
            "summary": summary,
            "is_school": True,
            "is_provider": False,
            "arrangements": arrangements,
            "scope": "pupil",
        },
    }
