"""A visitor's planned QA visits as an iCalendar feed, for the calendar app on their phone or desk."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from qa.models import Visit
from trusts.models import Membership
from trusts.permissions import has_perm

# A visit without a start time is shown as an all-day event; one with a time as this long.
VISIT_LENGTH = timedelta(hours=2)


def visits_ical(*, feed) -> bytes:
    """Planned and part-recorded visits of the feed's person in the feed's trust. The person must still hold
    a role that records visits there; otherwise the feed is empty."""
    calendar = Calendar()
    calendar.add("prodid", "-//AP Commission//QA visits//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"QA visits ({feed.trust.name})")
    memberships = Membership.objects.active().filter(user=feed.user, trust=feed.trust)
    if not any(has_perm(m, "qa_visit.record") for m in memberships):
        return calendar.to_ical()
    visits = (
        Visit.objects.filter(visitor=feed.user, status__in=[Visit.Status.PLANNED, Visit.Status.IN_PROGRESS])
        .select_related("provider")
        .order_by("planned_for", "pk")
    )
    base = settings.SITE_URL.rstrip("/")
    for visit in visits:
        event = Event()
        event.add("uid", f"qa-visit-{visit.pk}@{feed.trust.slug}.apcommission")
        event.add("summary", f"QA visit: {visit.provider}")
        if visit.start_time:
            start = timezone.make_aware(datetime.combine(visit.planned_for, visit.start_time))
            event.add("dtstart", start)
            event.add("dtend", start + VISIT_LENGTH)
        else:
            event.add("dtstart", visit.planned_for)
            event.add("dtend", visit.planned_for + timedelta(days=1))
        event.add("dtstamp", timezone.now())
        event.add("location", visit.location or visit.provider.address.replace("\n", ", "))
        url = base + reverse("qa:visit_detail", kwargs={"visit_pk": visit.pk})
        event.add("url", url)
        event.add("description", f"Quality assurance visit to {visit.provider}. Record it at {url}")
        calendar.add_component(event)
    return calendar.to_ical()
