"""QA pages: another trust's records are 404, provider staff see only their own finished reports, list pages
have pinned query counts, the visit form saves part-done and finishes, and the calendar link works until reset."""

from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from icalendar import Calendar

from qa import selectors, services
from qa.models import Visit
from tests.conftest import sign_in
from tests.factories import MembershipFactory, PlacementFactory, ProviderFactory, PupilFactory, UserFactory
from tests.qa.conftest import (
    CompletedVisitFactory,
    ImprovementActionFactory,
    ProviderFlagFactory,
    VisitFactory,
    build_setup,
    fill_visit,
)
from trusts.roles import Role

pytestmark = pytest.mark.django_db
ON = date(2026, 11, 23)


@pytest.fixture
def other(db):
    """Another trust's visit, action and flag."""
    t = build_setup()
    visit = CompletedVisitFactory(provider=t.provider, visitor=t.visitor.user)
    return {
        "visit": visit,
        "action": ImprovementActionFactory(visit=visit),
        "flag": ProviderFlagFactory(
            visit=CompletedVisitFactory(provider=t.provider, outcome="does_not_meet")
        ),
        "setup": t,
    }


def test_another_trusts_records_are_404(client, s, other):
    for membership in (s.admin, s.visitor, s.staff):
        sign_in(client, membership)
        urls = [
            reverse("qa:visit_detail", kwargs={"visit_pk": other["visit"].pk}),
            reverse("qa:visit_report_pdf", kwargs={"visit_pk": other["visit"].pk}),
            reverse("qa:action_detail", kwargs={"action_pk": other["action"].pk}),
            reverse("qa:visit_plan", kwargs={"provider_pk": other["setup"].provider.pk}),
        ]
        if membership == s.admin:
            urls.append(reverse("qa:flag_decide", kwargs={"flag_pk": other["flag"].pk}))
        for url in urls:
            assert client.get(url).status_code in (403, 404), (membership, url)
        client.logout()


def test_provider_staff_see_their_own_finished_reports_only(client, s):
    done = CompletedVisitFactory(provider=s.provider, visitor=s.visitor.user)
    draft = VisitFactory(provider=s.provider, visitor=s.visitor.user)
    elsewhere = CompletedVisitFactory(provider=ProviderFactory(trust=s.trust, legal_name="Other Farm Ltd"))
    sign_in(client, s.staff)
    assert client.get(reverse("qa:visit_detail", kwargs={"visit_pk": done.pk})).status_code == 200
    assert client.get(reverse("qa:visit_detail", kwargs={"visit_pk": draft.pk})).status_code == 404
    assert client.get(reverse("qa:visit_detail", kwargs={"visit_pk": elsewhere.pk})).status_code == 404
    page = client.get(reverse("qa:visit_list")).content.decode()
    assert "Other Farm" not in page
    assert client.get(reverse("qa:schedule")).status_code == 403


def test_provider_staff_respond_to_an_action(client, s):
    action = ImprovementActionFactory(
        visit=CompletedVisitFactory(provider=s.provider, visitor=s.visitor.user)
    )
    sign_in(client, s.staff)
    url = reverse("qa:action_detail", kwargs={"action_pk": action.pk})
    response = client.post(url, {"respond": "1", "text": "Drill held, log sent"}, follow=True)
    assert "Drill held, log sent" in response.content.decode()
    assert client.post(url, {"close": "1", "evidence": "x"}).status_code == 403


def test_governor_has_no_qa_pages(client, s):
    governor = MembershipFactory(user=UserFactory(), trust=s.trust, role=Role.GOVERNOR, school=None)
    sign_in(client, governor)
    assert client.get(reverse("qa:schedule")).status_code == 403
    assert client.get(reverse("qa:visit_list")).status_code == 403


def _many_providers(s, n):
    for i in range(n):
        provider = ProviderFactory(trust=s.trust, legal_name=f"Provider {i} Ltd")
        PlacementFactory(pupil=PupilFactory(school=s.school), provider=provider, status="active")
        visit = CompletedVisitFactory(provider=provider, visitor=s.visitor.user, visit_date=date(2026, 10, 5))
        ImprovementActionFactory(visit=visit)
        VisitFactory(provider=provider, visitor=s.admin.user, planned_for=date(2026, 12, 7))


@pytest.mark.parametrize("n", [2, 8])
def test_list_pages_have_pinned_query_counts(client, s, n, django_assert_num_queries):
    _many_providers(s, n)
    sign_in(client, s.admin)
    client.get(reverse("qa:schedule"))  # warm the session and framework, and keep the trust's schedule
    # User and second factor (the session and memberships come from the cache) and the notices; the schedule is
    # the trust's snapshot, and its tables and the planned visits by visitor are kept rendered beside it.
    with django_assert_num_queries(3):
        response = client.get(reverse("qa:schedule"))
    assert (
        response.status_code == 200 and response.content.decode().count('data-testid="schedule-row"') == n + 1
    )
    # Worked out again: the schedule's fixed set on top, the same for 3 or 9 providers.
    selectors.forget_schedule(s.trust.pk)
    with django_assert_num_queries(9):
        assert client.get(reverse("qa:schedule")).status_code == 200
    with django_assert_num_queries(4):
        assert client.get(reverse("qa:visit_list")).status_code == 200
    with django_assert_num_queries(4):
        assert client.get(reverse("qa:action_list")).status_code == 200


def test_provider_page_shows_qa_history_with_a_chart(client, s):
    from qa.models import VisitRating

    for day, rating in ((date(2026, 10, 5), "partially"), (date(2026, 11, 20), "fully")):
        visit = CompletedVisitFactory(provider=s.provider, visitor=s.visitor.user, visit_date=day)
        with scopes_disabled():
            for item in visit.framework.items.filter(part="standard"):
                VisitRating.objects.create(trust=s.trust, visit=visit, item=item, rating=rating, evidence="x")
    sign_in(client, s.admin)
    page = client.get(
        reverse("providers:provider_detail", kwargs={"provider_pk": s.provider.pk})
    ).content.decode()
    assert "Quality assurance visits" in page
    assert 'data-testid="qa-chart"' in page and "Oct 2026 67%, Nov 2026 100%" in page


def test_visit_form_saves_part_done_and_finishes(client, s, time_machine):
    time_machine.move_to("2026-11-23 15:00 +00:00")
    with scope(trust=s.trust.pk):
        visit = services.visit_plan(
            provider=s.provider, by=s.visitor, planned_for=ON, visitor=s.visitor.user, on=ON
        )
    sign_in(client, s.visitor)
    url = reverse("qa:visit_record", kwargs={"visit_pk": visit.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"revision": "0", "visit_date": "2026-11-23", "met_with": "Sam", "action-count": "0", "save": "1"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert Visit.objects.get(pk=visit.pk).met_with == "Sam"
    # A rating outside the scale: a clear message, the page again, nothing lost.
    with scopes_disabled():
        item = visit.framework.items.filter(part="standard").first()
    response = client.post(
        url, {"revision": "1", "met_with": "Sam and Jo", f"rating-{item.pk}": "superb", "action-count": "0"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Nothing was saved" in body and "Sam and Jo" in body
    fill_visit(Visit.objects.with_scopes_disabled().get(pk=visit.pk), s.visitor, on=ON)
    with scopes_disabled():
        revision = Visit.objects.get(pk=visit.pk).revision
    response = client.post(
        url,
        {
            "revision": str(revision),
            "visit_date": "2026-11-23",
            "met_with": "Sam",
            "outcome": "meets_most",
            "next_visit_date": "2027-01-20",
            "action-count": "1",
            "action-0-area": "Fire drills",
            "action-0-action": "Record each drill",
            "action-0-rag": "amber",
            "action-0-owner": "Sam",
            "action-0-due_date": "2026-12-11",
            **{k: v for k, v in _ratings(visit).items()},
            "finish": "1",
        },
        follow=True,
    )
    assert "completed and its report is frozen" in response.content.decode()
    pdf = client.get(reverse("qa:visit_report_pdf", kwargs={"visit_pk": visit.pk}))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # A second finish: told, not an error.
    again = client.post(reverse("qa:visit_complete", kwargs={"visit_pk": visit.pk}), follow=True)
    assert "already completed by" in again.content.decode()


def _ratings(visit):
    with scopes_disabled():
        return {
            **{f"rating-{i.pk}": "fully" for i in visit.framework.items.filter(part="standard")},
            **{f"evidence-{i.pk}": f"Seen {i.code}" for i in visit.framework.items.filter(part="standard")},
        }


def test_calendar_feed_lists_planned_visits_until_the_link_is_reset(client, s):
    VisitFactory(provider=s.provider, visitor=s.visitor.user, planned_for=date(2026, 12, 7))
    sign_in(client, s.visitor)
    from qa.models import CalendarFeed

    # Opening the page makes no link; the first press does.
    assert 'data-testid="make-feed"' in client.get(reverse("qa:calendar")).content.decode()
    with scopes_disabled():
        assert not CalendarFeed.objects.filter(user=s.visitor.user).exists()
    client.post(reverse("qa:calendar"))
    page = client.get(reverse("qa:calendar")).content.decode()
    with scopes_disabled():
        token = CalendarFeed.objects.get(user=s.visitor.user).token
    assert token in page
    client.logout()
    feed = client.get(reverse("qa:calendar_feed", kwargs={"feed_token": token}))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["QA visit: Pennine Skills Hub Ltd"]
    sign_in(client, s.visitor)
    client.post(reverse("qa:calendar"))
    client.logout()
    assert client.get(reverse("qa:calendar_feed", kwargs={"feed_token": token})).status_code == 404


def test_decision_page_suspends_the_provider(client, s):
    flag = ProviderFlagFactory(visit=CompletedVisitFactory(provider=s.provider, outcome="does_not_meet"))
    sign_in(client, s.admin)
    url = reverse("qa:flag_decide", kwargs={"flag_pk": flag.pk})
    assert client.post(url, {"decision": "suspended", "reason": ""}).status_code == 200
    response = client.post(url, {"decision": "suspended", "reason": "Unsafe workshop"}, follow=True)
    assert "approval history" in response.content.decode()
    s.provider.refresh_from_db()
    assert s.provider.status == "suspended"


def test_overdue_visits_on_the_dsl_and_trust_dashboards(client, s, time_machine):
    time_machine.move_to("2026-11-02 09:00 +00:00")
    elsewhere = ProviderFactory(trust=s.trust, legal_name="Southgate Only Farm Ltd")
    PlacementFactory(
        pupil=PupilFactory(school=s.other_school),
        provider=elsewhere,
        status="active",
        start_date=date(2026, 9, 7),
    )
    school_dsl = MembershipFactory(user=UserFactory(), trust=s.trust, role=Role.DSL, school=s.school)
    for membership, url_name in ((s.admin, "trust_dashboard"), (s.trust_dsl, "safeguarding_dashboard")):
        sign_in(client, membership)
        page = client.get(reverse(url_name)).content.decode()
        assert (
            "Overdue QA visits" in page and "Pennine Skills Hub Ltd" in page and "Southgate Only Farm" in page
        )
        client.logout()
    sign_in(client, school_dsl)
    page = client.get(reverse("safeguarding_dashboard")).content.decode()
    assert "Pennine Skills Hub Ltd" in page and "Southgate Only Farm" not in page


def test_saving_a_visit_someone_just_finished_keeps_the_entries_on_the_page(client, s):
    with scope(trust=s.trust.pk):
        visit = services.visit_plan(
            provider=s.provider, by=s.visitor, planned_for=ON, visitor=s.visitor.user, on=ON
        )
    visit = fill_visit(visit, s.visitor, on=ON)
    with scope(trust=s.trust.pk):
        services.visit_complete(visit=visit, by=s.admin, on=ON)
    sign_in(client, s.visitor)
    response = client.post(
        reverse("qa:visit_record", kwargs={"visit_pk": visit.pk}),
        {
            "revision": str(visit.revision),
            "met_with": "Sam",
            "strengths": "My late note",
            "action-count": "0",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "already completed" in body or "was completed by Ada Admin" in body
    assert "My late note" in body


def test_trust_admin_adapts_the_framework_on_its_page(client, s):
    sign_in(client, s.admin)
    page = client.get(reverse("qa:framework"))
    text = page.content.decode()
    assert "National standards (32)" in text
    items = (
        page.context["form"].initial["items"] + "\nstandard | 6. Local | 6a | Pupils have a named mentor |"
    )
    response = client.post(
        reverse("qa:framework"), {"items": items, "note": "Add a mentoring standard"}, follow=True
    )
    assert "Version 2 of the framework is now in use" in response.content.decode()
    bad = client.post(reverse("qa:framework"), {"items": "nonsense line", "note": "x"})
    assert bad.status_code == 200 and "part | section | code" in bad.content.decode()
    sign_in(client, s.visitor)
    assert client.get(reverse("qa:framework")).status_code == 403


def test_the_schedule_is_kept_and_a_planned_visit_is_on_it_at_once(
    client, s, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-11-20 10:00", tick=False)
    sign_in(client, s.admin)
    page = client.get(reverse("qa:schedule")).content.decode()
    assert 'data-testid="schedule-as-of"' in page and "Schedule as of 10:00" in page
    assert "27 Nov</a>, Vera Visitor" not in page
    with scope(trust=s.trust.pk), django_capture_on_commit_callbacks(execute=True):
        services.visit_plan(
            provider=s.provider, by=s.admin, planned_for=date(2026, 11, 27), visitor=s.visitor.user
        )
    # Planned: the kept schedule is forgotten on commit, so the next reader sees the visit.
    page = client.get(reverse("qa:schedule")).content.decode()
    assert "27 Nov</a>, Vera Visitor" in page


def test_a_school_reader_of_the_shared_schedule_sees_only_their_school(client, s):
    with scopes_disabled():
        PlacementFactory(pupil=PupilFactory(school=s.other_school), provider=s.provider, status="active")
    sign_in(client, s.admin)
    assert s.other_school.name in client.get(reverse("qa:schedule")).content.decode()
    sign_in(client, s.visitor)  # the AP lead of the first school, reading the same kept schedule
    page = client.get(reverse("qa:schedule")).content.decode()
    assert s.school.name in page and s.other_school.name not in page


def test_the_kept_schedule_tables_follow_what_each_reader_may_do_and_see(client, s):
    """The schedule's tables are kept rendered, once for each kind of reader: who may plan a visit sees the
    buttons, who may not never gets the tables rendered for someone who may; a school's staff see their
    school's name only."""
    with scopes_disabled():
        PlacementFactory(pupil=PupilFactory(school=s.other_school), provider=s.provider, status="active")
    officer = MembershipFactory(
        user=UserFactory(), trust=s.trust, role=Role.ATTENDANCE_OFFICER, school=s.school
    )
    plan = reverse("qa:visit_plan", kwargs={"provider_pk": s.provider.pk})
    for first, then in ((s.visitor, officer), (officer, s.visitor)):
        selectors.forget_schedule(s.trust.pk)
        for membership in (first, then, first):
            sign_in(client, membership)
            page = client.get(reverse("qa:schedule")).content.decode()
            assert (plan in page) is (membership == s.visitor), membership
            assert s.school.name in page and s.other_school.name not in page
    sign_in(client, s.admin)
    page = client.get(reverse("qa:schedule")).content.decode()
    assert plan in page and s.school.name in page and s.other_school.name in page


def test_planned_visits_by_visitor_are_on_the_schedule_at_once(
    client, s, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to("2026-11-20 10:00", tick=False)
    sign_in(client, s.admin)
    page = client.get(reverse("qa:schedule")).content.decode()
    assert "No visits are planned." in page
    with scope(trust=s.trust.pk), django_capture_on_commit_callbacks(execute=True):
        visit = services.visit_plan(
            provider=s.provider, by=s.admin, planned_for=date(2026, 11, 27), visitor=s.visitor.user
        )
    page = client.get(reverse("qa:schedule")).content.decode()
    visit_url = reverse("qa:visit_detail", kwargs={"visit_pk": visit.pk})
    assert "No visits are planned." not in page
    assert f'<h3 class="h6 mt-3">{s.visitor.user.get_full_name()}</h3>' in page
    assert f'<a href="{visit_url}">Fri 27 Nov 2026: {s.provider}</a>' in page
    assert "Planned</span>" in page


def test_visit_page_has_a_pinned_query_count_with_or_without_versions(client, s, django_assert_num_queries):
    with scope(trust=s.trust.pk):
        planned = services.visit_plan(
            provider=s.provider, by=s.visitor, planned_for=ON, visitor=s.visitor.user, on=date(2026, 11, 1)
        )
    visit = fill_visit(planned, s.visitor, on=ON)
    with scope(trust=s.trust.pk):
        visit = services.visit_complete(visit=visit, by=s.visitor, on=ON)
    sign_in(client, s.admin)
    url = reverse("qa:visit_detail", kwargs={"visit_pk": visit.pk})
    client.get(url)  # the session, and the framework's items, which are kept
    # User and second factor; the visit with the versions either side of it; its checks, ratings, pupils seen,
    # actions and flags; the notices.
    with django_assert_num_queries(9):
        page = client.get(url).content.decode()
    assert "A correction of this visit exists" not in page
    with scope(trust=s.trust.pk):
        new = services.visit_correct(visit=visit, by=s.visitor, reason="Wrong date for the fire drill action")
    with django_assert_num_queries(9):
        page = client.get(url).content.decode()
    assert "A correction of this visit exists" in page and "version 2</a> (being recorded)" in page
    new_url = reverse("qa:visit_detail", kwargs={"visit_pk": new.pk})
    client.get(new_url)
    # A visit being recorded reads the provider's evidence for its checks before the visit.
    with django_assert_num_queries(10):
        page = client.get(new_url).content.decode()
    assert f'This version corrects <a href="{url}">version 1</a>' in page
