"""The placement pages: provider staff's views logged, only usable providers offered, labels, costs and
meals, the attendance panel added by the attendance app, and the detail page's pinned query count."""

from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse

from attendance.models import ChaseEvent
from placements.forms import PlacementForm
from providers.models import Provider
from tests.conftest import sign_in
from tests.factories import (
    AbsenceFollowUpFactory,
    ExpectedSessionFactory,
    ProviderFactory,
    PupilFactory,
    RegisterMarkFactory,
)
from tests.placements.conftest import new_placement
from trusts.models import AccessLog

HEADER = "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Gender,First Language,SEN,FSM\n"
TODAY = date(2026, 11, 20)


# --- Access log (provider staff) --------------------------------------------------------------------------


def test_provider_staff_view_of_a_placement_is_logged(pw, client):
    placement = new_placement(pw, status="active")
    sign_in(client, pw.personas["a.provider_staff"])
    response = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
    assert response.status_code == 200
    log = AccessLog.objects.get(subject_id=placement.pupil_id)
    assert log.role == "provider_staff" and log.subject_type == "pupil" and log.school == placement.school


# --- Usable providers -------------------------------------------------------------------------------------


def test_new_placement_form_offers_only_providers_usable_today(pw):
    trust = pw.trust_a
    lapsed_date = ProviderFactory(trust=trust, status="approved", approved_until=date(2026, 11, 19))
    suspended = ProviderFactory(trust=trust, status="suspended", approved_until=date(2027, 8, 31))
    conditions = ProviderFactory(
        trust=trust, status="approved_with_conditions", approved_until=date(2027, 1, 1)
    )
    draft = ProviderFactory(trust=trust, status="draft")
    form = PlacementForm(membership=pw.personas["a.ap_lead"])
    offered = set(form.fields["provider"].queryset)
    assert pw.providers["a"] in offered and conditions in offered
    assert not offered & {lapsed_date, suspended, draft}
    assert "(" not in form.fields["provider"].label_from_instance(pw.providers["a"])
    response_form = PlacementForm({"provider": suspended.pk}, membership=pw.personas["a.ap_lead"])
    assert not response_form.is_valid() and "provider" in response_form.errors


def test_edit_form_keeps_the_current_provider_marked(pw):
    placement = new_placement(pw)
    Provider.objects.filter(pk=placement.provider_id).update(status="lapsed")
    placement.refresh_from_db()
    form = PlacementForm(instance=placement, membership=pw.personas["a.ap_lead"])
    assert placement.provider in set(form.fields["provider"].queryset)
    assert "not usable now" in form.fields["provider"].label_from_instance(placement.provider)


# --- Wording on the placement page ------------------------------------------------------------------------


def test_labels_costs_and_meals_on_the_placement_pages(pw, client):
    pupil = PupilFactory(school=pw.schools["a1"], fsm=False)
    placement = new_placement(
        pw,
        pupil=pupil,
        rate="65.00",
        rate_unit="session",
        registration_cost="20.00",
        payment_terms="Invoiced half-termly; payment within 30 days.",
        meal_arrangement="",
    )
    form = PlacementForm(membership=pw.personas["a.ap_lead"])
    assert form.fields["part_time_review_date"].label == "Part-time review date"
    assert "Name, role and phone" in form.fields["school_main_contact"].help_text
    sign_in(client, pw.personas["a.ap_lead"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    html = html.decode()
    assert "£65.00 a session; registration £20.00</dd>" in html
    assert 'Payment terms</dt><dd class="col-7">Invoiced half-termly' in html
    assert 'data-testid="meals">Not needed' in html
    assert 'data-gate="arrangements" data-met="yes"' in html and "meals not needed" in html


def test_arrangements_gate_not_met_for_fsm_pupil_without_meals(pw, client):
    pupil = PupilFactory(school=pw.schools["a1"], fsm=True)
    placement = new_placement(pw, pupil=pupil, meal_arrangement="")
    sign_in(client, pw.personas["a.ap_lead"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    html = html.decode()
    assert 'data-gate="arrangements" data-met="no"' in html
    assert "Not arranged yet" in html


# --- The attendance panel ---------------------------------------------------------------------------------


def _sessions(placement, n, *, status="present"):
    """n marked sessions on school days of the week of 16 November (and earlier weeks beyond five)."""
    days = [date(2026, 11, d) for d in (16, 17, 18, 19, 20, 9, 10, 11, 12, 13, 2, 3, 4, 5, 6)]
    made = []
    for i in range(n):
        day, session = days[i // 2], ("am", "pm")[i % 2]
        es = ExpectedSessionFactory(
            placement=placement,
            date=day,
            session=session,
            starts_at=datetime.combine(day, time(9 if session == "am" else 13), tzinfo=UTC),
            ends_at=datetime.combine(day, time(12 if session == "am" else 15), tzinfo=UTC),
        )
        RegisterMarkFactory(
            expected_session=es, status=status, school_code="N" if status == "absent" else "B"
        )
        made.append(es)
    return made


def test_placement_and_pupil_pages_show_attendance_with_links(pw, client):
    placement = new_placement(pw, status="active", start_date=date(2026, 11, 2))
    _sessions(placement, 4)
    absent = _sessions(placement, 0)
    absent = ExpectedSessionFactory(
        placement=placement,
        date=date(2026, 11, 19),
        session="pm",
        starts_at=datetime(2026, 11, 19, 13, tzinfo=UTC),
        ends_at=datetime(2026, 11, 19, 15, tzinfo=UTC),
    )
    RegisterMarkFactory(expected_session=absent, status="absent")
    AbsenceFollowUpFactory(expected_session=absent)
    ChaseEvent.objects.create(
        trust=placement.trust,
        expected_session=absent,
        kind="consecutive",
        occurred_at=datetime(2026, 11, 19, 14, tzinfo=UTC),
        detail="7 sessions in a row",
    )
    for persona in ("a.ap_lead", "a.headteacher", "a.attendance_officer"):
        sign_in(client, pw.personas[persona])
        html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
        html = html.content.decode()
        assert 'data-testid="attendance-panel"' in html
        assert "80.0%, 4 of 5 sessions, 1 absent" in html
        assert "1 absence to follow up" in html and reverse("attendance:follow_ups") in html
        assert 'data-testid="consecutive-alert"' in html and "7 sessions in a row" in html
        assert reverse("attendance:arrangement", kwargs={"placement_pk": placement.pk}) in html
        pupil_html = client.get(reverse("placements:pupil_detail", kwargs={"pupil_pk": placement.pupil_id}))
        pupil_html = pupil_html.content.decode()
        assert "Attendance at alternative provision" in pupil_html and "1 absence to follow up" in pupil_html
        assert reverse("attendance:arrangement", kwargs={"placement_pk": placement.pk}) in pupil_html
    sign_in(client, pw.personas["a.school_dsl"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    html = html.decode()
    assert "1 absence to follow up" in html
    assert reverse("attendance:arrangement", kwargs={"placement_pk": placement.pk}) not in html
    sign_in(client, pw.personas["a.provider_staff"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    html = html.decode()
    assert "80.0%" in html and "consecutive-alert" not in html and "to follow up" not in html


def test_old_consecutive_alert_is_not_shown(pw, client):
    placement = new_placement(pw, status="active", start_date=date(2026, 10, 1))
    (es,) = _sessions(placement, 1, status="absent")
    ChaseEvent.objects.create(
        trust=placement.trust,
        expected_session=es,
        kind="consecutive",
        occurred_at=datetime(2026, 11, 5, tzinfo=UTC),
    )
    sign_in(client, pw.personas["a.ap_lead"])
    html = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})).content
    assert b"consecutive-alert" not in html


def test_placements_does_not_import_attendance():
    import ast
    import pathlib

    for path in pathlib.Path("placements").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "attendance" for n in names), path


# the user (session and memberships from the cache), OTP, the placement, access log, the page's sections, nav, and four for the
# attendance panel (year start, figures, open follow-ups, latest alert), one for what the provider needs to know,
# the first weeks (set-up meetings, home/school agreements), and causing concern (its marks, the weekly
# updates): the same for 3 rows as for 10. The placement is loaded once with everything its gates read,
# and the page shows those same records; the gates' school calendar is the trust's, kept in the process; the
# pupil's other placements are read once for the page and the gates, and the brief comes with the placement.
PLACEMENT_DETAIL_QUERIES = 23


@pytest.mark.parametrize("rows", [3, 10])
def test_placement_detail_query_count_is_pinned(pw, client, django_assert_num_queries, rows):
    placement = new_placement(pw, status="active", start_date=date(2026, 11, 2))
    for es in _sessions(placement, rows, status="absent"):
        AbsenceFollowUpFactory(expected_session=es)
    sign_in(client, pw.personas["a.ap_lead"])
    url = reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk})
    client.get(url)
    with django_assert_num_queries(PLACEMENT_DETAIL_QUERIES):
        response = client.get(url)
    assert f"{rows} absences to follow up" in response.content.decode()
