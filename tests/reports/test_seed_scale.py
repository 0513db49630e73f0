"""seed_scale writes a large trust's year in bulk; at a tiny factor the sizes, links and rules still hold."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count, F
from django_scopes import scopes_disabled

from attendance.models import AbsenceFollowUp, ExpectedSession, RegisterMark
from placements.models import Placement, Pupil, Review, TimetableSession
from placements.upn import upn_problem
from providers.models import Evidence, Provider
from qa.models import Visit
from reports.management.commands.seed_scale import sizes
from trusts.models import Membership, Notification, School, Trust
from trusts.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime(2026, 11, 24, 13, 0, tzinfo=ZoneInfo("Europe/London"))


def seed(factor, slug="scale"):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("seed_scale", factor=factor, slug=slug, stdout=out)
    return dict(part.split("=") for part in out.getvalue().split())


def test_sizes_follow_the_factor():
    assert sizes(1) == {"schools": 40, "providers": 150, "pupils": 4000}
    assert sizes(10) == {"schools": 400, "providers": 1500, "pupils": 40000}
    assert sizes(0.1) == {"schools": 4, "providers": 15, "pupils": 400}


def test_a_tiny_seed_writes_every_table_and_counts_what_it_wrote():
    counts = seed(0.01)
    with scopes_disabled():
        trust = Trust.objects.get(slug="scale")
        assert School.objects.filter(trust=trust).count() == int(counts["schools"]) == 2
        assert Provider.objects.filter(trust=trust).count() == int(counts["providers"]) == 3
        assert Pupil.objects.filter(trust=trust).count() == int(counts["pupils"]) == 40
        assert Placement.objects.filter(trust=trust).count() == 40
        assert TimetableSession.objects.filter(trust=trust).count() == int(counts["timetable_sessions"])
        sessions = ExpectedSession.objects.filter(trust=trust)
        marks = RegisterMark.objects.filter(trust=trust)
        assert sessions.count() == int(counts["expected_sessions"]) > 1000
        assert marks.count() == int(counts["marks"]) > 1000
        assert AbsenceFollowUp.objects.filter(trust=trust).count() == int(counts["follow_ups"]) > 0
        assert Review.objects.filter(trust=trust).count() == int(counts["reviews"]) > 0
        assert Evidence.objects.filter(trust=trust).count() == int(counts["evidence"]) > 0
        assert Visit.objects.filter(trust=trust).count() == int(counts["qa_visits"]) > 0
        assert Notification.objects.filter(trust=trust).count() == int(counts["notifications"]) > 0

        # Every role that uses the app is there: two per school and trust-wide roles, staff at every provider.
        roles = dict(
            Membership.objects.filter(trust=trust)
            .values_list("role")
            .annotate(n=Count("pk"))
            .values_list("role", "n")
        )
        assert roles[Role.TRUST_ADMIN] == 1 and roles[Role.PROVIDER_STAFF] == 3
        assert roles[Role.ATTENDANCE_OFFICER] == roles[Role.HEADTEACHER] == 2

        # The copied keys agree with the placement; marks only on sessions that have started; none twice.
        assert not sessions.exclude(pupil_id=F("placement__pupil_id")).exists()
        assert not sessions.exclude(school_id=F("placement__school_id")).exists()
        assert not sessions.exclude(provider_id=F("placement__provider_id")).exists()
        assert not marks.filter(expected_session__starts_at__gt=NOW).exists()
        assert sessions.filter(starts_at__gt=NOW).exists()
        assert not sessions.filter(placement__status__in=["draft", "proposed"]).exists()
        assert all(
            upn_problem(upn) is None
            for upn in Pupil.objects.filter(trust=trust).values_list("upn", flat=True)
        )
        # Absences carry the school's code once followed up; open follow-ups are recent.
        assert not marks.filter(
            status="absent", expected_session__follow_up__closed_at__isnull=False, school_code="N"
        ).exists()
        assert set(marks.exclude(status="absent").values_list("school_code", flat=True)) == {"B"}


def test_a_second_seed_under_the_same_slug_is_refused_and_another_slug_sits_beside_it():
    seed(0.01)
    with pytest.raises(CommandError, match="exists already"):
        seed(0.01)
    seed(0.01, slug="scale-b")
    with scopes_disabled():
        assert Trust.objects.filter(slug__startswith="scale").count() == 2
        assert Pupil.objects.count() == 80
