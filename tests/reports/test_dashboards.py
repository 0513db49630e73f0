import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from placements.models import Placement, Pupil
from providers.models import Provider
from tests.conftest import sign_in
from tests.reports.conftest import MONDAY, at, populate
from trusts.models import TrustPolicy

# --- DSL -------------------------------------------------------------------------------------------------


def _get(client, membership, name):
    sign_in(client, membership)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def test_school_dsl_sees_where_their_pupils_are_this_session(client, dash):
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    assert "Monday 23 November, morning session" in body
    assert "A1First0 A1Last0" in body and "A1First1 A1Last1" in body
    # Another school's pupils are not on a school DSL's dashboard.
    assert "A2First" not in body and "A2Last" not in body
    assert "Present" in body and "Absent" in body
    # Nine o'clock start, marks due within 30 minutes: at 09:30 an unmarked register is overdue.
    assert "Not marked yet: overdue" in body
    assert "marked at 09:00" in body
    # Pupils placed elsewhere with no session on Mondays are listed as such.
    assert "not expected at a provider today" in body


def test_trust_dsl_sees_both_schools(client, dash):
    body = _get(client, dash.personas["a.trust_dsl"], "safeguarding_dashboard")
    assert "A1First0 A1Last0" in body and "A2First0 A2Last0" in body
    assert dash.schools["a2"].name in body


def test_trust_dsl_counts_each_school_and_names_the_pupils_needing_attention(client, dash):
    with scopes_disabled():
        from attendance.models import ExpectedSession
        from tests.factories import RegisterMarkFactory

        # The third pupil of each school: not vulnerable, and now marked present, so needing no attention.
        quiet = ExpectedSession.objects.get(pupil__legal_first_name="A2First2", date=MONDAY, session="am")
        Pupil.objects.filter(pk=quiet.pupil_id).update(
            child_in_need=False, looked_after=False, child_protection_plan=False
        )
        RegisterMarkFactory(expected_session=quiet, status="present")
    sign_in(client, dash.personas["a.trust_dsl"])
    response = client.get(reverse("safeguarding_dashboard"))
    body = response.content.decode()
    where = response.context["where"]
    rows = {r.school.pk: r for r in where.schools}
    a1, a2 = rows[dash.schools["a1"].pk], rows[dash.schools["a2"].pk]
    # Every pupil accounted for: three expected a school (by mark), three placed but not expected on Mondays.
    assert (a1.expected, a1.present, a1.absent, a1.unmarked, a1.overdue, a1.not_expected) == (
        3,
        1,
        1,
        1,
        1,
        3,
    )
    assert (a2.expected, a2.present, a2.absent, a2.unmarked, a2.overdue, a2.not_expected) == (
        3,
        2,
        1,
        0,
        0,
        3,
    )
    assert where.totals.expected == 6 and where.attention_total == 5
    assert 'data-testid="where-by-school"' in body
    # The vulnerable pupils come first, then the overdue register; the quiet pupil is counted, not named.
    named = [row.pupil.legal_first_name for row in where.attention]
    assert named[:4] == ["A1First0", "A1First1", "A2First0", "A2First1"] and named[4] == "A1First2"
    now_panel = body[body.index('data-testid="where-now"') : body.index('data-testid="follow-ups"')]
    assert "A2First2" not in now_panel and "A1First2 A1Last2" in now_panel
    assert f"?school={dash.schools['a2'].pk}" in body


def test_trust_dsl_opens_one_school_to_every_pupil(client, dash):
    sign_in(client, dash.personas["a.trust_dsl"])
    school = dash.schools["a2"]
    body = client.get(reverse("safeguarding_dashboard") + f"?school={school.pk}").content.decode()
    # The live panel names every pupil of that school; the rest of the dashboard stays trust-wide.
    now_panel = body[body.index('data-testid="where-now"') : body.index('data-testid="follow-ups"')]
    assert "A2First2 A2Last2" in now_panel and "A1First0" not in now_panel
    assert "not expected at a provider today" in body
    assert f'hx-get="/dashboard/safeguarding/now/?school={school.pk}"' in body
    panel = client.get(reverse("safeguarding_now") + f"?school={school.pk}").content.decode()
    assert "A2First2 A2Last2" in panel and "A1First0" not in panel


@pytest.mark.parametrize("asked", ["b1", "a2-for-school-dsl", "nonsense", "-1", "99999999999999999999"])
def test_a_school_the_dsl_cannot_see_is_not_found(client, dash, asked):
    persona = dash.personas["a.school_dsl" if asked.startswith("a2") else "a.trust_dsl"]
    value = {"b1": dash.schools["b1"].pk, "a2-for-school-dsl": dash.schools["a2"].pk}.get(asked, asked)
    sign_in(client, persona)
    for name in ("safeguarding_dashboard", "safeguarding_now"):
        assert client.get(reverse(name) + f"?school={value}").status_code == 404


def test_before_the_afternoon_the_morning_marks_show_and_after_it_the_afternoon(client, dash, clock):
    clock.move_to(at(MONDAY, 13, 0), tick=False)
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    assert "Monday 23 November, afternoon session" in body
    # Expected only in the morning: listed among those not at a provider now.
    assert "expected in the morning only" in body


def test_on_a_non_school_day_it_says_so_and_shows_the_next_school_day(client, dash, clock):
    clock.move_to(at(date(2026, 11, 22), 10, 0), tick=False)  # Sunday
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    assert "Not a school day today: weekend" in body
    assert "Next school day: Monday 23 November, morning session" in body
    assert "A1First0 A1Last0" in body


def test_unresolved_absences_put_vulnerable_pupils_first_with_their_flags(client, dash):
    with scopes_disabled():
        from tests.factories import AbsenceFollowUpFactory, ExpectedSessionFactory, RegisterMarkFactory

        placement, _ = dash.made["a1"][0]
        session = ExpectedSessionFactory(placement=placement, date=date(2026, 11, 9), session="am")
        RegisterMarkFactory(expected_session=session, status="absent")
        AbsenceFollowUpFactory(expected_session=session, vulnerable=False)
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    panel = body[body.index('data-testid="follow-ups"') : body.index('data-testid="consecutive"')]
    assert "Looked after" in panel
    # The vulnerable pupil's absence today comes before the older absence of a pupil not flagged vulnerable.
    assert panel.index("A1First1 A1Last1") < panel.index("A1First0 A1Last0")
    assert reverse("attendance:follow_ups") in panel


def test_consecutive_absences_of_the_last_fortnight(client, dash):
    with scopes_disabled():
        from tests.factories import ChaseEventFactory, ExpectedSessionFactory

        placement, _ = dash.made["a1"][2]
        old = ExpectedSessionFactory(placement=placement, date=date(2026, 11, 2), session="am")
        ChaseEventFactory(expected_session=old, occurred_at=at(MONDAY, 9, 0) - timedelta(days=15))
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    panel = body[body.index('data-testid="consecutive"') : body.index('data-testid="provider-concerns"')]
    assert "A1First1 A1Last1" in panel  # raised this morning
    assert "A1First2 A1Last2" not in panel  # raised 15 days ago
    assert "6 sessions in a row" in panel


def test_providers_in_use_with_evidence_running_out_or_lapsed(client, dash):
    with scopes_disabled():
        Provider.objects.filter(pk=dash.providers["a_other"].pk).update(status=Provider.Status.LAPSED)
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    panel = body[body.index('data-testid="provider-concerns"') : body.index('data-testid="overdue-reviews"')]
    assert "Safeguarding" in panel and "runs out on 1 Dec 2026" in panel
    assert dash.providers["a_other"].legal_name in panel and "Lapsed" in panel


def test_a_renewed_document_is_no_concern(client, dash):
    from tests.factories import EvidenceFactory

    EvidenceFactory(
        provider=dash.providers["a"],
        evidence_type="safeguarding_policy",
        issue_date=date(2026, 11, 1),
        expiry_date=date(2027, 11, 1),
    )
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    panel = body[body.index('data-testid="provider-concerns"') : body.index('data-testid="overdue-reviews"')]
    assert "runs out on" not in panel


def test_overdue_reviews_are_listed(client, dash):
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    panel = body[body.index('data-testid="overdue-reviews"') :]
    assert "due Mon 16 Nov 2026" in panel
    assert "30 Nov" not in panel


# --- School ----------------------------------------------------------------------------------------------


def test_school_dashboard_counts_stages_and_links_to_them(client, dash):
    body = _get(client, dash.personas["a.ap_lead"], "school_dashboard")
    panel = body[body.index('data-testid="stages"') : body.index('data-testid="proposed"')]
    assert f"{reverse('placements:placement_list')}?status=active" in panel
    assert '<span class="badge placement-status-active">6</span>' in panel  # 3 + 3 placed elsewhere
    assert '<span class="badge placement-status-proposed">3</span>' in panel
    assert "Proposed placements" in body


def test_headteacher_sees_what_waits_for_their_agreement(client, dash):
    body = _get(client, dash.personas["a.headteacher"], "school_dashboard")
    assert "Waiting for your agreement" in body
    with scopes_disabled():
        proposed = Placement.objects.filter(school=dash.schools["a1"], status="proposed").first()
    assert reverse("placements:placement_detail", args=[proposed.pk]) in body


def test_school_dashboard_reviews_and_attendance_today(client, dash):
    body = _get(client, dash.personas["a.attendance_officer"], "school_dashboard")
    overdue = body[body.index('data-testid="reviews-overdue"') : body.index('data-testid="reviews-due"')]
    assert overdue.count("was due Mon 16 Nov 2026") == 3
    due = body[body.index('data-testid="reviews-due"') : body.index('data-testid="attendance-today"')]
    assert due.count("on Mon 30 Nov 2026") == 3
    assert '<div class="fs-4 fw-semibold" data-testid="marked">2</div>' in body
    assert '<div class="fs-4 fw-semibold" data-testid="unmarked">1</div>' in body
    assert '<div class="fs-4 fw-semibold" data-testid="absent">1</div>' in body
    assert 'data-testid="follow-up-count">1</span>' in body
    assert "A2First" not in body


# --- Trust admin -----------------------------------------------------------------------------------------


def test_trust_dashboard_shows_the_register_placements_and_absence(client, dash):
    with scopes_disabled():
        Provider.objects.filter(pk=dash.providers["a_other"].pk).update(status=Provider.Status.SUBMITTED)
    body = _get(client, dash.personas["a.trust_admin"], "trust_dashboard")
    assert f"{reverse('providers:provider_list')}?status=submitted" in body
    submitted = body[body.index('data-testid="submitted"') : body.index('data-testid="evidence"')]
    assert dash.providers["a_other"].legal_name in submitted
    evidence = body[body.index('data-testid="evidence"') : body.index('data-testid="placements-by-school"')]
    assert "runs out on 1 Dec 2026" in evidence and "Critical" in evidence
    assert 'data-testid="expiring-count">1</span>' in evidence
    school = dash.schools["a2"]
    assert f"?school={school.pk}&amp;status=active" in body
    # Last Monday pupils 1 of 3 was absent, this morning 1 of 3 was absent and 1 present: pupil 1 attended
    # none of its two sessions, pupil 0 attended both, pupil 2 one of one. Two sessions are too few to call
    # anyone persistently or severely absent.
    assert f'data-testid="persistent-{school.pk}">0</td>' in body
    assert f'data-testid="severe-{school.pk}">0</td>' in body
    # Pupil 1 absent eight more sessions: none attended of ten, severe (and so persistent).
    with scopes_disabled():
        from tests.factories import ExpectedSessionFactory, RegisterMarkFactory

        placement = Placement.objects.get(pupil__legal_last_name="A2Last1", provider=dash.providers["a"])
        for day in range(2, 10):
            session = ExpectedSessionFactory(placement=placement, date=date(2026, 11, day + 1), session="am")
            RegisterMarkFactory(expected_session=session, status="absent", school_code="N")
    # The figures are the trust's snapshot, kept up to ten minutes and saying when they were counted ...
    body = _get(client, dash.personas["a.trust_admin"], "trust_dashboard")
    assert f'data-testid="persistent-{school.pk}">0</td>' in body
    assert "Figures as of 09:30, counted again every 10 minutes." in body
    # ... until the job that keeps them fresh runs (every five minutes).
    from reports.tasks import refresh_snapshots

    assert refresh_snapshots(trust_id=dash.trust_a.pk) == 5
    body = _get(client, dash.personas["a.trust_admin"], "trust_dashboard")
    assert f'data-testid="persistent-{school.pk}">1</td>' in body
    assert f'data-testid="severe-{school.pk}">1</td>' in body
    assert "Trust policy" in body


# --- Governors -------------------------------------------------------------------------------------------


def test_governor_dashboard_names_no_pupil(client, dash):
    body = _get(client, dash.personas["a.trust_governor"], "governor_dashboard")
    with scopes_disabled():
        pupils = list(Pupil.objects.filter(trust=dash.trust_a))
    assert pupils
    for pupil in pupils:
        assert pupil.legal_first_name not in body
        assert pupil.legal_last_name not in body
        assert pupil.upn not in body
    school = dash.schools["a1"]
    panel = body[body.index(f'data-testid="school-{school.pk}"') :]
    assert 'data-testid="pupils-in-ap">6</div>' in panel
    # Placements started on 2 November: three weeks by Monday 23 November.
    assert 'data-testid="average-weeks">3.0</div>' in panel
    assert dash.providers["a"].legal_name in panel and "Approved" in panel


def test_governor_dashboard_withholds_small_groups(client, dash):
    with scopes_disabled():
        TrustPolicy.objects.filter(trust=dash.trust_a).update(report_small_number_threshold=10)
    body = _get(client, dash.personas["a.trust_governor"], "governor_dashboard")
    panel = body[body.index(f'data-testid="school-{dash.schools["a1"].pk}"') :]
    assert 'data-testid="pupils-in-ap">fewer than 10</div>' in panel
    assert 'data-testid="average-weeks">—</div>' in panel


def test_governor_dashboard_is_a_snapshot_of_its_time(client, dash, clock):
    """Governors' counts are a snapshot shared by the trust's governors: a placement no longer running after it
    was kept shows once the snapshot is worked out again (MAX_AGE later), and the page says as of when."""
    from trusts.snapshots import MAX_AGE

    body = _get(client, dash.personas["a.trust_governor"], "governor_dashboard")
    school = dash.schools["a1"]
    assert 'data-testid="pupils-in-ap">6</div>' in body[body.index(f'data-testid="school-{school.pk}"') :]
    assert "Figures as of 09:30" in body
    with scopes_disabled():
        placement = Placement.objects.filter(school=school, status=Placement.Status.ACTIVE).first()
        Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.AGREED)
    body = client.get(reverse("governor_dashboard")).content.decode()
    assert 'data-testid="pupils-in-ap">6</div>' in body[body.index(f'data-testid="school-{school.pk}"') :]
    clock.shift(MAX_AGE)
    body = client.get(reverse("governor_dashboard")).content.decode()
    assert 'data-testid="pupils-in-ap">5</div>' in body[body.index(f'data-testid="school-{school.pk}"') :]
    assert "Figures as of 09:40" in body


def test_school_governor_sees_only_their_school(client, dash):
    body = _get(client, dash.personas["a.school_governor"], "governor_dashboard")
    assert dash.schools["a1"].name in body and dash.schools["a2"].name not in body
    # One school: its providers listed on its card, its figures from the school's snapshot (with its time).
    assert 'data-testid="providers-used"' not in body and dash.providers["a"].legal_name in body
    assert 'data-testid="figures-as-of"' in body


def test_trust_governor_sees_providers_once_for_the_trust(client, dash):
    body = _get(client, dash.personas["a.trust_governor"], "governor_dashboard")
    used = body[body.index('data-testid="providers-used"') :]
    assert used.count(dash.providers["a"].legal_name) == 1
    card = body[
        body.index(f'data-testid="school-{dash.schools["a1"].pk}"') : body.index(
            'data-testid="providers-used"'
        )
    ]
    assert 'data-testid="providers-in-use"' in card and dash.providers["a"].legal_name not in card
    assert 'data-testid="figures-as-of"' in body


# --- Provider --------------------------------------------------------------------------------------------


def test_provider_dashboard_summarises_today_s_register(client, dash):
    body = _get(client, dash.personas["a.provider_staff"], "provider_dashboard")
    # Six pupils from the two schools this morning, four marked.
    assert 'data-testid="am">4 / 6</div>' in body
    assert reverse("attendance:register") in body
    assert reverse("providers:my_provider") in body
    assert 'data-testid="placement-total">12</span>' in body  # 6 running + 6 proposed


def test_the_now_panel_updates_without_a_reload_vulnerable_pupils_first(client, dash):
    from placements.safeguarding.models import SafeguardingConcern
    from tests.factories import ConcernFactory

    with scopes_disabled():
        from attendance.models import ExpectedSession

        placement = (
            ExpectedSession.objects.filter(school=dash.schools["a1"], date=MONDAY, session="am")
            .order_by("-pupil__legal_last_name")
            .first()
            .placement
        )
        Pupil.objects.filter(school=dash.schools["a1"]).update(
            child_in_need=False, looked_after=False, child_protection_plan=False
        )
        Pupil.objects.filter(pk=placement.pupil_id).update(child_in_need=True)
        lac = placement.pupil
    body = _get(client, dash.personas["a.school_dsl"], "safeguarding_dashboard")
    assert 'hx-get="/dashboard/safeguarding/now/"' in body and 'hx-trigger="every 20s"' in body
    now_panel = _get(client, dash.personas["a.school_dsl"], "safeguarding_now")
    assert "<html" not in now_panel and "No open concern." in now_panel
    # The vulnerable pupils come first (the child in need among them), each with their flag.
    rows = client.get(reverse("safeguarding_now")).context["where"].expected
    flags = [row.pupil.is_vulnerable for row in rows]
    assert flags[0] and not any(flags[1:]) and len(flags) > 1
    assert rows[0].pupil_id == lac.pk
    assert 'data-testid="flag-cin"' in now_panel
    with scopes_disabled():
        concern = ConcernFactory(placement=placement, raised_at=at(MONDAY, 9, 25))
        ConcernFactory(
            placement=placement,
            status=SafeguardingConcern.Status.CLOSED,
            outcome="nfa",
            acknowledged_at=at(MONDAY, 9, 26),
            closed_at=at(MONDAY, 9, 27),
        )
    now_panel = _get(client, dash.personas["a.school_dsl"], "safeguarding_now")
    assert f'data-testid="open-concern-{concern.pk}"' in now_panel
    assert now_panel.count('data-testid="open-concern-') == 1
    # Another school's DSL does not see it; the panel is the DSL's alone.
    assert f"open-concern-{concern.pk}" not in _get(
        client, dash.personas["a2.school_dsl"], "safeguarding_now"
    )
    sign_in(client, dash.personas["a.headteacher"])
    assert client.get(reverse("safeguarding_now")).status_code == 403


# --- Query counts ----------------------------------------------------------------------------------------

# The safeguarding and trust dashboards include overdue QA visits: four queries (placements, their providers,
# terms, visits). The trust's calendar (terms, closure days) comes from the process's copy once read
# (trusts.calendar_cache): two queries fewer on each page that shows the session of the day.
PINNED = {
    # The overdue QA visits (4) and the open safeguarding concerns (1) joined the dashboard; the open
    # follow-ups and their count are one query. One school's pupils now: the session shown, the placements of
    # those not expected then, and their other session that day (3).
    "a.school_dsl": ("safeguarding_dashboard", 18),
    # Past one school: counts per school (one more query: the pupils placed but not expected then).
    "a.trust_dsl": ("safeguarding_dashboard", 18),
    "a.school_dsl-now": ("safeguarding_now", 8),
    # Placements causing concern: the list and its count (2).
    "a.headteacher": ("school_dashboard", 11),
    "a.trust_admin": ("trust_dashboard", 17),
    "a.trust_governor": ("governor_dashboard", 9),
    # Referrals waiting for the provider's answer (the list; counted apart only past the list's limit) and
    # behaviour updates due (2); the placements' total is the sum of their stages' counts.
    # The person's provider comes with their memberships (the trust switcher names it): one fewer.
    "a.provider_staff": ("provider_dashboard", 6),
}


@pytest.mark.parametrize("persona", list(PINNED))
def test_dashboard_queries_do_not_grow_with_rows(
    client, dash, persona, django_assert_num_queries, monkeypatch
):
    url_name, queries = PINNED[persona]
    sign_in(client, dash.personas[persona.removesuffix("-now")])
    client.get(reverse(url_name))
    # Counted with the trust-wide figures worked out afresh (no snapshot kept), the most a request does.
    monkeypatch.setattr("trusts.snapshots.PREFIX", f"snapshot:few:{uuid.uuid4().hex}")
    with django_assert_num_queries(queries):
        assert client.get(reverse(url_name)).status_code == 200
    populate(dash, 7, start=3)  # 10 pupils a school
    monkeypatch.setattr("trusts.snapshots.PREFIX", f"snapshot:many:{uuid.uuid4().hex}")
    with django_assert_num_queries(queries):
        assert client.get(reverse(url_name)).status_code == 200
