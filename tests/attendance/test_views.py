from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from attendance import services
from attendance.models import AbsenceFollowUp, ExpectedSession, RegisterMark
from tests.attendance.conftest import make_placement
from tests.conftest import sign_in
from tests.factories import PupilFactory, TermFactory

LONDON = ZoneInfo("Europe/London")
MON = date(2026, 11, 23)


def at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def day(world, time_machine):
    """Monday morning in the first trust: pupils at its provider from both schools, one at another provider."""
    time_machine.move_to(at(MON, 9, 10), tick=False)
    with scopes_disabled():
        TermFactory(academic_year__trust=world.trust_a)
        placements = {
            "mine": make_placement(
                school=world.schools["a1"],
                provider=world.providers["a"],
                pupil=PupilFactory(school=world.schools["a1"], legal_first_name="Ava"),
            ),
            "other_school": make_placement(
                school=world.schools["a2"],
                provider=world.providers["a"],
                pupil=PupilFactory(school=world.schools["a2"], legal_first_name="Bea"),
            ),
            "other_provider": make_placement(
                school=world.schools["a1"],
                provider=world.providers["a_other"],
                pupil=PupilFactory(school=world.schools["a1"], legal_first_name="Cal"),
            ),
        }
    with scope(trust=world.trust_a.pk):
        for p in placements.values():
            services.expected_sessions_generate(placement=p, start=MON, end=date(2026, 11, 25))
    return placements


def session_of(placement, d=MON, kind="am"):
    with scopes_disabled():
        return ExpectedSession.objects.get(placement=placement, date=d, session=kind)


def test_provider_register_lists_only_its_own_pupils(client, world, day):
    sign_in(client, world.personas["a.provider_staff"])
    body = client.get(reverse("attendance:register")).content.decode()
    assert "Ava" in body and "Bea" in body  # both schools' pupils at this provider
    assert "Cal" not in body  # at another provider
    assert "Quillon Marker Provider" not in body


def test_marking_with_htmx_returns_the_row_and_the_school_sees_it_at_once(client, world, day):
    staff = world.personas["a.provider_staff"]
    sign_in(client, staff)
    session = session_of(day["mine"])
    response = client.post(
        reverse("attendance:mark", args=[session.pk]), {"status": "present"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert f'id="row-{session.pk}"' in row and "Present" in row and "<html" not in row
    client.logout()
    sign_in(client, world.personas["a.attendance_officer"])
    school = client.get(reverse("attendance:school_register")).content.decode()
    assert "Ava" in school and "Bea" not in school
    assert '<strong data-testid="school-code">B</strong>' in school


def test_sessions_not_yet_open_offer_no_buttons(client, world, day):
    sign_in(client, world.personas["a.provider_staff"])
    body = client.get(reverse("attendance:register") + "?date=2026-11-24").content.decode()
    assert "Marking opens at 08:30 on Tue 24 Nov." in body
    assert 'value="present"' not in body


def test_a_mark_for_a_session_not_yet_started_is_refused_with_a_message(client, world, day):
    sign_in(client, world.personas["a.provider_staff"])
    tomorrow = session_of(day["mine"], date(2026, 11, 24))
    response = client.post(
        reverse("attendance:mark", args=[tomorrow.pk]), {"status": "present"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "can&#x27;t be marked in advance" in response.content.decode()
    with scopes_disabled():
        assert not RegisterMark.objects.exists()


def test_late_without_minutes_and_nonsense_status_get_messages(client, world, day):
    sign_in(client, world.personas["a.provider_staff"])
    session = session_of(day["mine"])
    late = client.post(
        reverse("attendance:mark", args=[session.pk]), {"status": "late"}, HTTP_HX_REQUEST="true"
    )
    assert "Say how many minutes late" in late.content.decode()
    odd = client.post(
        reverse("attendance:mark", args=[session.pk]), {"status": "dancing"}, HTTP_HX_REQUEST="true"
    )
    assert odd.status_code == 200 and "Select a valid choice" in odd.content.decode()
    with scopes_disabled():
        assert not RegisterMark.objects.exists()


def test_provider_staff_cannot_mark_another_providers_pupil(client, world, day):
    sign_in(client, world.personas["a.provider_staff"])
    theirs = session_of(day["other_provider"])
    assert client.post(reverse("attendance:mark", args=[theirs.pk]), {"status": "present"}).status_code == 404


def test_all_others_present(client, world, day):
    sign_in(client, world.personas["a.provider_staff"])
    first = session_of(day["mine"])
    client.post(reverse("attendance:mark", args=[first.pk]), {"status": "absent", "absence_reason": "Ill"})
    client.post(reverse("attendance:all_present"), {"date": "2026-11-23", "session": "am"})
    with scopes_disabled():
        statuses = dict(
            RegisterMark.objects.filter(
                expected_session__date=MON, expected_session__session="am"
            ).values_list("expected_session__placement_id", "status")
        )
    assert statuses == {day["mine"].pk: "absent", day["other_school"].pk: "present"}


def test_register_query_count_does_not_grow_with_pupils(client, world, day, django_assert_num_queries):
    sign_in(client, world.personas["a.provider_staff"])
    url = reverse("attendance:register")
    client.get(url)
    # The person's provider comes with their memberships (the trust switcher names it), not a query a page.
    with django_assert_num_queries(3):
        client.get(url)
    with scopes_disabled():
        extra = [make_placement(school=world.schools["a1"], provider=world.providers["a"]) for _ in range(8)]
    with scope(trust=world.trust_a.pk):
        for p in extra:
            services.expected_sessions_generate(placement=p, start=MON, end=date(2026, 11, 24))
            session = ExpectedSession.objects.get(placement=p, session="am")
            services.mark_record(
                session=session, status="present", by_user=world.personas["a.provider_staff"].user
            )
    with django_assert_num_queries(3):
        body = client.get(url).content.decode()
    assert body.count('class="card mb-2 register-row"') == 2 + 2 * 8 + 2  # am and pm rows


def test_attendance_officer_sets_codes_within_the_guardrails(client, world, day):
    with scope(trust=world.trust_a.pk):
        mark = services.mark_record(
            session=session_of(day["mine"]), status="absent", by_user=world.personas["a.provider_staff"].user
        )
    sign_in(client, world.personas["a.attendance_officer"])
    refused = client.post(reverse("attendance:code_set", args=[mark.pk]), {"code": "K"}, follow=True)
    assert "K is only for provision arranged by the local authority" in refused.content.decode()
    client.post(reverse("attendance:code_set", args=[mark.pk]), {"code": "I"})
    with scopes_disabled():
        assert RegisterMark.objects.get(pk=mark.pk).school_code == "I"


def test_ap_lead_cannot_set_codes(client, world, day):
    with scope(trust=world.trust_a.pk):
        mark = services.mark_record(
            session=session_of(day["mine"]), status="absent", by_user=world.personas["a.provider_staff"].user
        )
    sign_in(client, world.personas["a.ap_lead"])
    assert client.post(reverse("attendance:code_set", args=[mark.pk]), {"code": "I"}).status_code == 403


def test_follow_ups_are_listed_vulnerable_first_and_recorded(
    client, world, day, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        vulnerable = make_placement(
            school=world.schools["a1"],
            provider=world.providers["a"],
            pupil=PupilFactory(
                school=world.schools["a1"], legal_first_name="Dee", child_protection_plan=True
            ),
        )
    with scope(trust=world.trust_a.pk), django_capture_on_commit_callbacks(execute=True):
        services.expected_sessions_generate(placement=vulnerable, start=MON, end=date(2026, 11, 24))
        services.mark_record(
            session=session_of(day["mine"]), status="absent", by_user=world.personas["a.provider_staff"].user
        )
        services.mark_record(
            session=session_of(vulnerable), status="absent", by_user=world.personas["a.provider_staff"].user
        )
    sign_in(client, world.personas["a.attendance_officer"])
    body = client.get(reverse("attendance:follow_ups")).content.decode()
    assert body.index("Dee") < body.index("Ava")
    with scopes_disabled():
        item = AbsenceFollowUp.objects.get(expected_session__placement=day["mine"])
    url = reverse("attendance:follow_up", args=[item.pk])
    bad = client.post(
        url, {"contacted_by": "", "contacted_at": "yesterday", "outcome": "reason_given", "code": "I"}
    )
    assert bad.status_code == 200
    assert (
        "This field is required" in bad.content.decode() and "Enter a valid date/time" in bad.content.decode()
    )
    future = client.post(
        url,
        {
            "contacted_by": "Ms Reid",
            "contacted_at": "2026-11-23T11:00",
            "outcome": "reason_given",
            "reason": "Ill",
            "code": "I",
        },
    )
    assert "can&#x27;t be in the future" in future.content.decode()
    ok = client.post(
        url,
        {
            "contacted_by": "Ms Reid",
            "contacted_at": "2026-11-23T09:08",
            "outcome": "reason_given",
            "reason": "Ill",
            "code": "I",
        },
    )
    assert ok.status_code == 302
    with scopes_disabled():
        item.refresh_from_db()
        assert item.closed_at and item.code == "I"
        assert RegisterMark.objects.get(expected_session=item.expected_session).school_code == "I"


def test_export_is_offered_only_to_those_who_may_export(client, world, day):
    sign_in(client, world.personas["a.ap_lead"])
    assert "Export codes" not in client.get(reverse("attendance:school_register")).content.decode()
    client.logout()
    sign_in(client, world.personas["a.attendance_officer"])
    assert "Export codes" in client.get(reverse("attendance:school_register")).content.decode()


def test_export_csv_and_bad_ranges(client, world, day):
    with scope(trust=world.trust_a.pk):
        services.mark_record(
            session=session_of(day["mine"]), status="present", by_user=world.personas["a.provider_staff"].user
        )
        services.mark_record(
            session=session_of(day["other_school"]),
            status="present",
            by_user=world.personas["a.provider_staff"].user,
        )
    sign_in(client, world.personas["a.attendance_officer"])
    response = client.get(reverse("attendance:export"), {"start": "2026-11-23", "end": "2026-11-23"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "UPN,Date,Session,Code,School URN"
    assert lines[1] == f"{day['mine'].pupil.upn},2026-11-23,AM,B,{world.schools['a1'].urn}"
    assert len(lines) == 2  # the other school's pupil is not in this school's export
    backwards = client.get(reverse("attendance:export"), {"start": "2026-11-23", "end": "2026-11-01"})
    assert "The end must not be before the start." in backwards.content.decode()
    junk = client.get(reverse("attendance:export"), {"start": "soon", "end": ""})
    assert junk.status_code == 200 and "Enter a valid date" in junk.content.decode()


def test_figures_flag_persistent_and_severe_absence(
    client, world, day, time_machine, django_assert_num_queries
):
    with scope(trust=world.trust_a.pk):
        staff = world.personas["a.provider_staff"].user
        services.mark_record(session=session_of(day["mine"]), status="absent", by_user=staff)
        services.mark_record(session=session_of(day["other_school"]), status="present", by_user=staff)
        time_machine.move_to(at(MON, 13, 5), tick=False)
        services.mark_record(session=session_of(day["mine"], kind="pm"), status="present", by_user=staff)
    sign_in(client, world.personas["a.trust_admin"])
    body = client.get(reverse("attendance:figures") + "?by=pupil").content.decode()
    assert "50.0%" in body and "Persistent" in body  # Ava: 1 of 2
    assert "100.0%" in body  # Bea
    client.get(reverse("attendance:figures") + "?by=school")
    # The trust admin reads the trust's snapshot of the figures (trusts.snapshots): none of the two counts.
    with django_assert_num_queries(4):
        body = client.get(reverse("attendance:figures") + "?by=school").content.decode()
    assert 'data-testid="figures-as-of"' in body


@pytest.mark.parametrize("persona", ["a.school_governor", "a.provider_staff"])
def test_school_pages_are_refused_to_governors_and_providers(client, world, persona):
    sign_in(client, world.personas[persona])
    for name in (
        "attendance:school_register",
        "attendance:follow_ups",
        "attendance:figures",
        "attendance:export",
    ):
        assert client.get(reverse(name)).status_code == 403, name


def test_register_is_for_provider_staff(client, world):
    sign_in(client, world.personas["a.ap_lead"])
    assert client.get(reverse("attendance:register")).status_code == 403


def test_arrangement_page(client, world, day):
    sign_in(client, world.personas["a.ap_lead"])
    url = reverse("attendance:arrangement", args=[day["mine"].pk])
    assert client.get(url).status_code == 200
    client.post(url, {"arrangement": "local_authority", "supervised": "on"})
    with scopes_disabled():
        assert day["mine"].register.arrangement == "local_authority"
    assert client.get(reverse("attendance:arrangement", args=[day["other_school"].pk])).status_code == 404


def test_export_adds_c2_for_part_time_timetable_leave(client, world, day):
    with scopes_disabled():
        part_time = make_placement(
            school=world.schools["a1"],
            provider=world.providers["a"],
            weekdays=(0,),
            pm_weekdays=(),
            pupil=PupilFactory(school=world.schools["a1"], legal_first_name="Dan"),
        )
    with scope(trust=world.trust_a.pk):
        services.expected_sessions_generate(placement=part_time, start=MON, end=date(2026, 11, 25))
        arrangement = services.placement_register_arrangement(placement=part_time)
        arrangement.part_time_leave = True
        arrangement.save()
        services.mark_record(
            session=session_of(part_time), status="present", by_user=world.personas["a.provider_staff"].user
        )
    sign_in(client, world.personas["a.attendance_officer"])
    response = client.get(reverse("attendance:export"), {"start": "2026-11-23", "end": "2026-11-24"})
    rows = [line.split(",") for line in response.content.decode().strip().splitlines()[1:]]
    mine = [(d, s, c) for upn, d, s, c, _ in rows if upn == part_time.pupil.upn]
    assert mine == [
        ("2026-11-23", "AM", "B"),
        ("2026-11-23", "PM", "C2"),
        ("2026-11-24", "AM", "C2"),
        ("2026-11-24", "PM", "C2"),
    ]


def _part_time_placements(world, n):
    """``n`` more pupils of the first school on part-time timetable leave, each marked present on Monday."""
    with scopes_disabled():
        made = [
            make_placement(
                school=world.schools["a1"], provider=world.providers["a"], weekdays=(0,), pm_weekdays=()
            )
            for _ in range(n)
        ]
    with scope(trust=world.trust_a.pk):
        for placement in made:
            services.expected_sessions_generate(placement=placement, start=MON, end=date(2026, 11, 25))
            arrangement = services.placement_register_arrangement(placement=placement)
            arrangement.part_time_leave = True
            arrangement.save()
            services.mark_record(
                session=session_of(placement),
                status="present",
                by_user=world.personas["a.provider_staff"].user,
            )
    return made


def _export(client):
    return client.get(reverse("attendance:export"), {"start": "2026-11-16", "end": "2026-11-27"})


def test_export_runs_the_same_queries_for_two_placements_and_for_ten(
    client, world, day, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _part_time_placements(world, 2)
    sign_in(client, world.personas["a.attendance_officer"])
    _export(client)
    with CaptureQueriesContext(connection) as two:
        small = _export(client)
    _part_time_placements(world, 8)
    with django_assert_num_queries(len(two.captured_queries)):
        large = _export(client)
    # The user (the session, the memberships and the trust's calendar come from the cache); marks, placements on
    # leave and the expected sessions of those pupils (the session is refreshed once a minute, not here).
    assert len(two.captured_queries) == 4, "\n".join(q["sql"][:90] for q in two.captured_queries)
    # Each pupil on leave: Monday morning at the provider (B), the rest of the week's sessions C2 (the
    # export covers 16-27 November; the placements started on 2 November).
    assert len(large.content.decode().strip().splitlines()) - len(
        small.content.decode().strip().splitlines()
    ) == (8 * 20)


def _version_on_page(body, session):
    """The mark version the register page sent to this phone for ``session``."""
    import re

    row = body[body.index(f'id="row-{session.pk}"') :]
    return re.search(r'name="version" value="(\d+)"', row).group(1)


@pytest.mark.parametrize("already_marked", [False, True])
def test_two_phones_marking_one_session_the_first_wins_and_the_second_is_told(
    client, world, day, already_marked
):
    from django.test import Client

    from tests.factories import MembershipFactory, UserFactory
    from trusts.roles import Role

    first = world.personas["a.provider_staff"]
    with scopes_disabled():
        second = MembershipFactory(
            trust=world.trust_a,
            role=Role.PROVIDER_STAFF,
            provider=world.providers["a"],
            school=None,
            user=UserFactory(first_name="Dee", last_name="Mensah"),
        )
    session = session_of(day["mine"])
    if already_marked:
        with scope(trust=world.trust_a.pk):
            services.mark_record(session=session, status="present", by_user=first.user)
    phone_a, phone_b = client, Client()
    sign_in(phone_a, first)
    sign_in(phone_b, second)
    # Both phones open the register and see the same version of Ava's morning.
    version = _version_on_page(phone_a.get(reverse("attendance:register")).content.decode(), session)
    assert _version_on_page(phone_b.get(reverse("attendance:register")).content.decode(), session) == version
    assert version == ("1" if already_marked else "0")
    url = reverse("attendance:mark", args=[session.pk])

    # Dee saves first: absent.
    won = phone_b.post(url, {"status": "absent", "version": version}, HTTP_HX_REQUEST="true")
    assert "Absent" in won.content.decode() and 'role="alert"' not in won.content.decode()
    # The other phone, still on the old page, taps late: refused, told who marked what, offered the mark.
    lost = phone_a.post(
        url, {"status": "late", "late_minutes": "10", "version": version}, HTTP_HX_REQUEST="true"
    )
    row = lost.content.decode()
    assert lost.status_code == 200
    assert "Dee Mensah marked this pupil absent at 09:10" in row
    assert "your late mark was not saved" in row
    assert '<span class="badge text-bg-danger">Absent</span>' in row  # the mark that stands
    assert _version_on_page(row, session) == str(int(version) + 1)  # the row now carries the current version
    with scopes_disabled():
        mark = RegisterMark.objects.get(expected_session=session)
        assert (mark.status, mark.marked_by_id, mark.version) == ("absent", second.user_id, int(version) + 1)
        assert "late" not in {h.status for h in mark.history.all()}

    # Tapping again from the refreshed row is a deliberate change, and goes through.
    again = phone_a.post(
        url,
        {"status": "late", "late_minutes": "10", "version": _version_on_page(row, session)},
        HTTP_HX_REQUEST="true",
    )
    assert 'role="alert"' not in again.content.decode()
    with scopes_disabled():
        assert RegisterMark.objects.get(expected_session=session).status == "late"


def test_a_stale_mark_without_htmx_comes_back_as_a_message(client, world, day):
    session = session_of(day["mine"])
    with scope(trust=world.trust_a.pk):
        services.mark_record(
            session=session, status="absent", by_user=world.personas["a.provider_staff"].user
        )
    sign_in(client, world.personas["a.provider_staff"])
    response = client.post(
        reverse("attendance:mark", args=[session.pk]), {"status": "present", "version": "0"}, follow=True
    )
    body = response.content.decode()
    assert "your present mark was not saved" in body
    with scopes_disabled():
        assert RegisterMark.objects.get(expected_session=session).status == "absent"


@pytest.mark.parametrize("name", ["attendance:school_register", "attendance:follow_ups"])
def test_school_register_and_follow_ups_queries_do_not_grow_with_pupils(
    client, world, day, name, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def absent_pupils(n):
        with scopes_disabled():
            made = [
                make_placement(school=world.schools["a1"], provider=world.providers["a"], pm_weekdays=())
                for _ in range(n)
            ]
        with scope(trust=world.trust_a.pk):
            for placement in made:
                services.expected_sessions_generate(placement=placement, start=MON, end=date(2026, 11, 24))
                services.mark_record(
                    session=session_of(placement),
                    status="absent",
                    by_user=world.personas["a.provider_staff"].user,
                )
                services.chase_run()

    absent_pupils(1)
    sign_in(client, world.personas["a.attendance_officer"])
    url = reverse(name)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    absent_pupils(6)
    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    # Each of the seven absent pupils is on both pages.
    assert body.count("absent from" if name == "attendance:follow_ups" else "<td>Absent") == 7
    assert len(few.captured_queries) == 3
