"""The attendance panel on the placement and pupil pages (registered with placements.panels from
AttendanceConfig.ready(), so placements never imports attendance)."""

from __future__ import annotations

from django.utils import timezone

from attendance import selectors
from trusts.permissions import has_perm

# Before agreement no sessions are expected, so there is nothing to show.
PLACEMENT_STATUSES_WITH_ATTENDANCE = ("agreed", "active", "ended")


def placement_attendance_panel(request, placement):
    membership = request.membership
    if placement.status not in PLACEMENT_STATUSES_WITH_ATTENDANCE:
        return None
    is_school = has_perm(membership, "attendance.read")
    if not is_school and not has_perm(membership, "register.mark"):
        return None
    summary = selectors.attendance_summary(
        membership, today=timezone.localdate(), placement=placement, with_alerts=is_school
    )
    return {
        "template": "attendance/_panel.html",
        "context": {
            "summary": summary,
            "arrangements": [placement] if has_perm(membership, "register_arrangement.edit") else [],
            "scope": "placement",
        },
    }


def pupil_attendance_panel(request, pupil):
    membership = request.membership
    if not has_perm(membership, "attendance.read"):
        return None
    summary = selectors.attendance_summary(membership, today=timezone.localdate(), pupil=pupil)
    arrangements = []
    if has_perm(membership, "register_arrangement.edit"):
        arrangements = list(
            pupil.placements.filter(status__in=("agreed", "active")).select_related("provider").order_by("pk")
        )
    return {
        "template": "attendance/_panel.html",
        "context": {"summary": summary, "arrangements": arrangements, "scope": "pupil"},
    }
