import csv
import io
from datetime import date, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from placements import lifecycle
from placements.agreements.notice import referral_notice_issue
from placements.models import Placement, Pupil
from placements.upn import make_upn
from tests.conftest import sign_in
from tests.factories import CarerFactory, PupilFactory, TimetableSessionFactory
from tests.placements.conftest import make_ready, new_placement, provider_signer, school_signer
from trusts.models import AccessLog


def pdf_text(data: bytes) -> str:
    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages
    )


def test_pupil_detail_is_logged_and_hides_sensitive_flags_from_other_roles(pw, client):
    pupil = PupilFactory(school=pw.schools["a1"], child_protection_plan=True, medical_needs="Asthma inhaler")
    url = reverse("placements:pupil_detail", kwargs={"pupil_pk": pupil.pk})
    sign_in(client, pw.personas["a.ap_lead"])
    response = client.get(url)
    assert response.status_code == 200 and b"Asthma inhaler" in response.content
    assert (
        AccessLog.objects.filter(subject_type="pupil", subject_id=pupil.pk, username="a-ap_lead").count() == 1
    )
    sign_in(client, pw.personas["a.attendance_officer"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"Asthma inhaler" not in response.content and b"sensitive-flags" not in response.content
    sign_in(client, pw.personas["a2.ap_lead"])
    assert client.get(url).status_code == 404
    sign_in(client, pw.personas["a.school_governor"])
    assert client.get(url).status_code == 403


def test_provider_staff_see_only_their_providers_proposed_placements(pw, client):
    mine = new_placement(pw, status="proposed")
    draft = new_placement(pw)
    other = new_placement(pw, provider="a_other", status="proposed")
    sign_in(client, pw.personas["a.provider_staff"])
    response = client.get(reverse("placements:placement_list"))
    listed = {p.pk for p in response.context["page"].object_list}
    assert listed == {mine.pk}
    for p in (draft, other):
        assert (
            client.get(reverse("placements:placement_detail", kwargs={"placement_pk": p.pk})).status_code
            == 404
        )
    detail = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": mine.pk}))
    assert detail.status_code == 200 and b'data-testid="gates"' not in detail.content
    assert client.get(reverse("placements:pupil_list")).status_code == 403
    assert (
        client.get(reverse("placements:placement_edit", kwargs={"placement_pk": mine.pk})).status_code == 403
    )


def _rows(world, n):
    for _ in range(n):
        placement = new_placement(world, status="proposed")
        TimetableSessionFactory(placement=placement)


@pytest.mark.parametrize("rows", [3, 10])
def test_placement_list_query_count_is_pinned(pw, client, django_assert_num_queries, rows):
    _rows(pw, rows)
    sign_in(client, pw.personas["a.ap_lead"])
    url = reverse("placements:placement_list") + "?status=proposed&sort=-start"
    client.get(url)
    # user, provider filter choices, count, page, unread count (a school's staff get no school filter)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(response.context["page"].object_list) == rows


def test_placement_list_offers_only_filters_with_a_choice(pw, client):
    sign_in(client, pw.personas["a.provider_staff"])
    form = client.get(reverse("placements:placement_list")).context["filter"].form
    assert "provider" not in form.fields and "school" not in form.fields
    sign_in(client, pw.personas["a.ap_lead"])
    form = client.get(reverse("placements:placement_list")).context["filter"].form
    assert "provider" in form.fields and "school" not in form.fields
    sign_in(client, pw.personas["a.trust_admin"])
    form = client.get(reverse("placements:placement_list")).context["filter"].form
    assert "provider" in form.fields and "school" in form.fields


def test_placement_list_rows_link_to_the_placement_with_its_hours_and_status(pw, client):
    proposed = new_placement(pw, status="proposed")
    TimetableSessionFactory(placement=proposed)
    sign_in(client, pw.personas["a.ap_lead"])
    html = client.get(reverse("placements:placement_list")).content.decode()
    detail = reverse("placements:placement_detail", kwargs={"placement_pk": proposed.pk})
    assert f'<a href="{detail}">{proposed.pupil.display_name}</a>' in html
    assert f"<td>{proposed.sessions.get().hours.normalize():f}</td>" in html
    assert (
        '<span class="badge placement-status-proposed">Proposed</span> <span class="small text-body-secondary" '
        f'data-testid="answer-{proposed.pk}">waiting for the provider\'s answer</span>'
    ) in html


@pytest.mark.parametrize("rows", [3, 10])
def test_pupil_list_query_count_is_pinned(pw, client, django_assert_num_queries, rows):
    for _ in range(rows):
        PupilFactory(school=pw.schools["a1"])
    sign_in(client, pw.personas["a.ap_lead"])
    url = reverse("placements:pupil_list")
    client.get(url)
    # user, count, page, unread count (a school's staff get no school filter)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["page"].object_list) == rows


def test_pupil_list_rows_link_to_the_record_with_the_placements_counted(pw, client):
    pupil = PupilFactory(school=pw.schools["a1"])
    new_placement(pw, pupil=pupil)
    new_placement(pw, pupil=pupil, status="proposed")
    alone = PupilFactory(school=pw.schools["a1"])
    sign_in(client, pw.personas["a.ap_lead"])
    response = client.get(reverse("placements:pupil_list"))
    assert "school" not in response.context["filter"].form.fields
    counts = {p.pk: p.placement_count for p in response.context["page"].object_list}
    assert counts[pupil.pk] == 2 and counts[alone.pk] == 0
    html = response.content.decode()
    assert f'<a href="{reverse("placements:pupil_detail", kwargs={"pupil_pk": pupil.pk})}">' in html
    sign_in(client, pw.personas["a.trust_admin"])
    assert "school" in client.get(reverse("placements:pupil_list")).context["filter"].form.fields


def test_detail_shows_what_still_blocks_agreement(pw, client):
    placement = new_placement(pw)
    sign_in(client, pw.personas["a.ap_lead"])
    response = client.get(reverse("placements:placement_detail", kwargs={"placement_pk": placement.pk}))
    html = response.content.decode()
    assert "What still blocks agreement (7)" in html  # the provider's acceptance among them
    assert 'data-gate="consent" data-met="no"' in html and 'data-gate="provider" data-met="yes"' in html


def test_headteacher_agree_refused_shows_every_problem_and_ap_lead_gets_403(pw, client):
    placement = new_placement(pw, status="proposed")
    url = reverse("placements:placement_agree", kwargs={"placement_pk": placement.pk})
    sign_in(client, pw.personas["a.ap_lead"])
    assert client.post(url).status_code == 403
    sign_in(client, pw.personas["a.headteacher"])
    response = client.post(url, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert texts[0] == "The placement cannot be agreed yet."
    assert any(t.startswith("Parental consent:") for t in texts)
    placement.refresh_from_db()
    assert placement.status == "proposed"


def test_timetable_formset_saves_sessions_and_refuses_an_empty_timetable(pw, client):
    placement = new_placement(pw)
    sign_in(client, pw.personas["a.ap_lead"])
    url = reverse("placements:placement_timetable", kwargs={"placement_pk": placement.pk})
    form = client.get(url).context["formset"]
    data = {"form-TOTAL_FORMS": "10", "form-INITIAL_FORMS": "10"}
    for i, f in enumerate(form.initial):
        data |= {
            f"form-{i}-weekday": f["weekday"],
            f"form-{i}-session": f["session"],
            f"form-{i}-start_time": "09:00" if f["session"] == "am" else "13:00",
            f"form-{i}-end_time": "12:00" if f["session"] == "am" else "15:00",
        }
    response = client.post(url, data, follow=True)
    assert "at least one session" in " ".join(str(m) for m in response.context["messages"])
    data |= {"form-0-attends": "on", "form-3-attends": "on"}
    assert client.post(url, data).status_code == 302
    assert [(s.weekday, s.session, str(s.hours)) for s in placement.sessions.all()] == [
        (0, "am", "3.00"),
        (1, "pm", "2.00"),
    ]
    # An afternoon ending before it starts is a field error next to the time, and nothing changes.
    bad = client.post(url, data | {"form-3-end_time": "12:30"})
    assert bad.status_code == 200 and "must end after it starts" in bad.content.decode()
    assert placement.sessions.count() == 2


def test_consent_from_a_carer_without_parental_responsibility_is_a_field_error(pw, client):
    placement = new_placement(pw)
    carer = CarerFactory(pupil=placement.pupil, name="Grandad Joe", has_parental_responsibility=False)
    sign_in(client, pw.personas["a.ap_lead"])
    url = reverse("placements:consent_record", kwargs={"placement_pk": placement.pk})
    response = client.post(url, {"carer": carer.pk, "decision": "given", "method": "phone"})
    assert response.status_code == 200
    assert "Grandad Joe does not have parental responsibility" in response.content.decode()
    assert not placement.consents.exists()


def test_signed_sla_pdf_has_the_clauses(pw, client):
    placement = make_ready(pw, new_placement(pw, payment_terms="Invoiced half-termly, 30 days"))
    version = placement.sla_versions.get()
    sign_in(client, pw.personas["a.ap_lead"])
    response = client.get(reverse("placements:sla_pdf", kwargs={"sla_pk": version.pk}))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "Alderley Academy",
        "Alderley Skills Centre Ltd",
        placement.pupil.legal_name,
        "From 2026-11-30 to 2027-02-12",
        "26.25 hours (full-time)",
        "Monday Morning 09:00 to 12:00",
        "Friday Afternoon 12:45 to 15:00",
        "Invoiced half-termly, 30 days",
        "within 30 minutes of the session start",
        "at least every 6 weeks",
        "emergency review of the placement after 3 incidents",
        "school's designated safeguarding lead (Sam Safe",
        # Each side signed from its own account: the names and roles are the signers' own.
        f"Signed for the school: {school_signer(pw, placement).user.get_full_name()}, Headteacher",
        f"Signed for the provider: {provider_signer(pw, placement).user.get_full_name()}, Centre manager",
        version.fingerprint,
    ):
        assert expected in text, expected


def test_off_site_notice_pdf_has_what_the_regulations_require(pw, client):
    placement = new_placement(pw, reason="off_site")
    lead = pw.personas["a.ap_lead"]
    lifecycle.timetable_set(
        by=lead,
        placement=placement,
        sessions=[
            {"weekday": 0, "session": "am", "start_time": time(9, 0), "end_time": time(12, 0)},
        ],
    )
    CarerFactory(pupil=placement.pupil, name="Dana Parent")
    notice = referral_notice_issue(
        by=lead,
        placement=placement,
        notice_date=date(2026, 11, 25),
        delivered_by="hand",
        recipients="Dana Parent",
        report_to="Pat Contact at the front desk",
        reasons="Persistent disruption of lessons.",
        objectives="Improve behaviour and return to lessons.",
    )
    sign_in(client, lead)
    text = pdf_text(client.get(reverse("placements:notice_pdf", kwargs={"notice_pk": notice.pk})).content)
    for expected in (
        "Date of this notice: 25 November 2026",
        "To: Dana Parent",
        "1 High Street, Leeds LS1 1AA",
        "Pat Contact at the front desk",
        "44 school days",
        "Monday 30 November 2026",
        "Persistent disruption of lessons.",
        "Improve behaviour and return to lessons.",
        "One session, from 09:00 to 12:00",
        "at least two school days",
    ):
        assert expected in text, expected


def test_census_export_lists_committed_placements_of_visible_schools(pw, client):
    placement = make_ready(pw, new_placement(pw))
    lifecycle.placement_agree(by=pw.personas["a.headteacher"], placement=placement)
    new_placement(pw, school="a2", status="active")
    new_placement(pw)  # a draft: not in the census
    sign_in(client, pw.personas["a.ap_lead"])
    response = client.get(reverse("placements:census_export"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["UPN"] == placement.pupil.upn and row["Sessions per week"] == "10"
    assert row["Entry date"] == "2026-11-30" and row["Leaving date"] == "2027-02-12"
    assert row["Reason"].startswith("At risk of exclusion")
    sign_in(client, pw.personas["a.trust_admin"])
    assert (
        len(
            list(
                csv.DictReader(io.StringIO(client.get(reverse("placements:census_export")).content.decode()))
            )
        )
        == 2
    )


GOOD = make_upn("801202600900")
CSV_HEADER = "UPN,Legal Surname,Legal Forename,Preferred Forename,DOB,Year,Gender,First Language,SEN,FSM\n"


def _upload(client, text, confirm_token=None):
    url = reverse("placements:pupil_import")
    return client.post(
        url, {"file": SimpleUploadedFile("pupils.csv", text.encode(), content_type="text/csv")}
    )


def test_import_names_every_bad_row_and_saves_nothing(pw, client):
    # A UPN of another school's pupil: the school's own pupils are updated by UPN instead.
    existing = PupilFactory(school=pw.schools["a2"])
    text = CSV_HEADER + "\n".join(
        [
            f"{GOOD},Okafor,Femi,,12/03/2012,9,M,English,K,Y",
            "A801202600901,Bell,Ann,,12/03/2012,9,F,English,,",
            f"{existing.upn},Dup,Licate,,12/03/2012,9,F,English,,",
            f"{GOOD},Twice,Same,,12/03/2012,9,F,English,,",
            f"{make_upn('801202600902')},Khan,Sana,,12/03/2012,Year 15,F,English,,",
            f"{make_upn('801202600903')},Reid,Tom,,31/02/2012,9,M,English,,",
        ]
    )
    sign_in(client, pw.personas["a.ap_lead"])
    response = _upload(client, text)
    problems = response.context["problems"]
    assert len(problems) == 5
    assert problems[0].startswith("Line 3 (Ann Bell), UPN: “A801202600901” is not a UPN")
    assert "Line 4" in problems[1] and "duplicate" in problems[1]
    assert "Line 5" in problems[2] and "appears twice" in problems[2]
    assert "Line 6" in problems[3] and "Year: “Year 15” is not a year group" in problems[3]
    assert "Line 7" in problems[4] and "DOB: “31/02/2012” is not a date" in problems[4]
    assert b"confirm-import" not in response.content
    token = client.session["pupil_import"]["token"]
    client.post(
        reverse("placements:pupil_import"), {"confirm": "1", "token": token, "school": pw.schools["a1"].pk}
    )
    assert Pupil.objects.count() == 1


def test_import_preview_then_commit(pw, client):
    text = (
        CSV_HEADER
        + f"{GOOD},Okafor,Femi,Fem,12/03/2012,Y9,M,English,K,Y\n{make_upn('801202600904')},Bell,Ann,,2013-01-02,8,F,,E,N\n"
    )
    sign_in(client, pw.personas["a.ap_lead"])
    response = _upload(client, text)
    assert response.context["problems"] == [] and len(response.context["preview"]) == 2
    assert Pupil.objects.count() == 0
    token = response.context["token"]
    response = client.post(
        reverse("placements:pupil_import"), {"confirm": "1", "token": token, "school": pw.schools["a2"].pk}
    )
    assert response.status_code == 302
    femi = Pupil.objects.get(upn=GOOD)
    assert femi.school == pw.schools["a1"]  # the AP lead's own school, whatever the form said
    assert femi.sen_support and femi.fsm and femi.year_group == "9" and femi.preferred_name == "Fem"
    assert Pupil.objects.get(legal_last_name="Bell").ehcp


def test_end_to_end_views_from_draft_to_active(pw, client, clock):
    """The pages an AP lead and a headteacher use, in order (the browser journey drives the same path)."""
    pupil = PupilFactory(school=pw.schools["a1"])
    sign_in(client, pw.personas["a.ap_lead"])
    response = client.post(
        reverse("placements:placement_create"),
        {
            "pupil": pupil.pk,
            "provider": pw.providers["a"].pk,
            "reason": "curriculum",
            "start_date": "2026-11-30",
            "planned_end_date": "2027-02-12",
            "transport": "parent",
            "school_main_contact": "Jo Main",
            "school_dsl_contact": "Sam Safe",
            "provider_contact": "Pat Contact",
            "hours_at_school_per_week": "10",
        },
    )
    placement = Placement.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/placements/{placement.pk}/timetable/")
    assert Placement.objects.filter(pk=placement.pk, status="draft").exists()
