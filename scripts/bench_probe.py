"""The benchmark's in-process part, run against one scale database (scripts/bench.py starts it with that
database's settings): the pages each role reaches and their query counts, sign-in cookies for the load
generator, the documents to fetch, the register sessions to mark, and one run of each Celery job.
Writes JSON to --out."""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

from apcommission.navigation import nav_for  # noqa: E402
from attendance.models import AbsenceFollowUp, ExpectedSession, RegisterMark  # noqa: E402
from placements.models import Placement  # noqa: E402
from qa.models import Visit  # noqa: E402
from reports.views import HOME_BY_ROLE  # noqa: E402
from trusts.models import Membership, Trust  # noqa: E402
from trusts.roles import TWO_FACTOR_ROLES  # noqa: E402
from trusts.services import ACTIVE_MEMBERSHIP_SESSION_KEY  # noqa: E402

SLUG = "scale"
# The people the benchmark signs in as: the first school's staff, the first provider's, and the trust's.
PERSONAS = {
    "provider": f"{SLUG}.p0001.staff",
    "attendance": f"{SLUG}.s001.attendance",
    "ap_lead": f"{SLUG}.s001.aplead",
    "head": f"{SLUG}.s001.head",
    "school_dsl": f"{SLUG}.s001.dsl",
    "school_governor": f"{SLUG}.s001.governor",
    "admin": f"{SLUG}.admin",
    "trust_dsl": f"{SLUG}.dsl",
    "trust_governor": f"{SLUG}.governor",
}
GROUP = 8
REGISTER_GROUPS = 900  # sessions' groups of 8 pupils: more than 10 phones mark in the run


class QueryCount:
    """Counts the queries run on the default connection inside the block (however many: Django's own query log
    keeps only the last 9,000)."""

    def __enter__(self):
        self.count = 0
        self._wrapper = connection.execute_wrapper(self._counted)
        self._wrapper.__enter__()
        return self

    def _counted(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)

    def __len__(self):
        return self.count


def membership(username) -> Membership:
    with scopes_disabled():
        return Membership.objects.select_related("user", "school", "provider").get(
            user__username=username, trust__slug=SLUG
        )


def client_for(m: Membership) -> Client:
    client = Client()
    client.force_login(m.user)
    session = client.session
    session[ACTIVE_MEMBERSHIP_SESSION_KEY] = m.pk
    if m.role in TWO_FACTOR_ROLES:
        device = TOTPDevice.objects.filter(user=m.user, confirmed=True).first()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def pages(people) -> list[dict]:
    """Each page a role reaches from the navigation, once, for the first role (in PERSONAS' order) that has it;
    each role's own home dashboard; and the detail pages behind the lists."""
    found, seen = [], set()
    for role, m in people.items():
        home = reverse(HOME_BY_ROLE[m.role])
        entries = [{"label": f"home: {HOME_BY_ROLE[m.role].replace('_', ' ')}", "url": home}]
        entries += [
            {"label": item["label"], "url": item["url"]} for item in nav_for(m, "/") if item["url"] != "/"
        ]
        for entry in entries:
            key = f"{entry['label']}|{role}"
            if entry["url"] in seen and not entry["label"].startswith("home"):
                continue
            seen.add(entry["url"])
            found.append({**entry, "role": role, "key": key})
    trust = people["admin"].trust
    with scope(trust=trust.pk):
        school = people["ap_lead"].school
        placement = Placement.objects.filter(school=school, status="active").order_by("pk").first()
        pupil = placement.pupil
        provider = people["provider"].provider
        visit = Visit.objects.filter(provider=provider, status="completed").order_by("pk").first()
        follow_up = (
            AbsenceFollowUp.objects.filter(expected_session__school=school).order_by("-opened_at").first()
        )
    details = [
        ("placement detail", "ap_lead", reverse("placements:placement_detail", args=[placement.pk])),
        ("pupil record", "ap_lead", reverse("placements:pupil_detail", args=[pupil.pk])),
        ("provider detail", "admin", reverse("providers:provider_detail", args=[provider.pk])),
        ("QA visit", "admin", reverse("qa:visit_detail", args=[visit.pk]) if visit else None),
        ("absence follow-up", "attendance", reverse("attendance:follow_up", args=[follow_up.pk])),
        ("attendance figures, per school", "admin", reverse("attendance:figures") + "?by=school"),
        ("attendance figures, per pupil", "attendance", reverse("attendance:figures") + "?by=pupil"),
        ("school termly report", "head", reverse("school_report", args=[school.pk])),
        ("trust termly report", "trust_governor", reverse("trust_report")),
    ]
    for label, role, url in details:
        if url and url not in seen:
            seen.add(url)
            found.append({"label": label, "role": role, "url": url, "key": f"{label}|{role}"})
    return found


def count_queries(people, found) -> list[dict]:
    clients = {}
    for page in found:
        client = clients.setdefault(page["role"], client_for(people[page["role"]]))
        first = client.get(page["url"])  # warm: sessions, caches, first-time work
        if first.status_code == 302 and first["Location"].startswith("/"):
            # A menu entry that leads on to the person's own page (their provider, their school's report).
            page["url"] = first["Location"]
            client.get(page["url"])
        with QueryCount() as queries:
            response = client.get(page["url"])
        page["status"] = response.status_code
        page["queries"] = len(queries)
        page["bytes"] = len(response.content)
    unique, seen = [], set()
    for page in found:
        if page["url"] not in seen or page["label"].startswith("home"):
            seen.add(page["url"])
            unique.append(page)
    return unique


def sign_ins(people) -> tuple[dict, dict]:
    cookies, csrf = {}, {}
    for role, m in people.items():
        client = client_for(m)
        client.get(reverse(HOME_BY_ROLE[m.role]), follow=True)
        cookies[role] = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
        csrf[role] = client.cookies["csrftoken"].value
    return cookies, csrf


def register_groups() -> dict:
    """The latest school day's sessions that have started, in groups of 8 pupils of one provider and session,
    with each provider's member of staff signed in. Their marks are cleared first, so every POST makes a mark
    (as at the peak of the morning register); the benchmark counts them afterwards."""
    now = timezone.now()
    staff = {}
    with scopes_disabled():
        for m in Membership.objects.filter(trust__slug=SLUG, role="provider_staff").select_related("user"):
            staff[m.provider_id] = m
        trust = Trust.objects.get(slug=SLUG)
    with scope(trust=trust.pk):
        day = (
            ExpectedSession.objects.filter(starts_at__lt=now - timedelta(hours=1))
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )
        rows = list(
            ExpectedSession.objects.filter(date=day, placement__status__in=["agreed", "active", "ended"])
            .order_by("provider_id", "session", "pk")
            .values_list("pk", "provider_id", "session")
        )
    groups, current = [], {}
    for pk, provider_id, session in rows:
        group = current.setdefault((provider_id, session), [])
        group.append(pk)
        if len(group) == GROUP:
            groups.append((provider_id, group))
            current[(provider_id, session)] = []
    groups = groups[:REGISTER_GROUPS]
    with scope(trust=trust.pk):
        RegisterMark.objects.filter(expected_session_id__in=[pk for _, g in groups for pk in g]).delete()
    logins = {}
    out = []
    for provider_id, sessions in groups:
        if provider_id not in logins:
            client = client_for(staff[provider_id])
            client.get(reverse("attendance:register"))
            logins[provider_id] = (
                "; ".join(f"{k}={v.value}" for k, v in client.cookies.items()),
                client.cookies["csrftoken"].value,
            )
        cookie, token = logins[provider_id]
        out.append({"cookie": cookie, "csrf": token, "sessions": sessions})
    return {"day": str(day), "groups": out}


def documents(people) -> list[dict]:
    """One of each PDF, made ready the way a user would (an SLA built, a notice issued) where none exists."""
    from placements.agreements import notice as notices
    from placements.agreements import sla
    from placements.models import ReferralNotice, SLAVersion
    from trusts.calendar import SchoolCalendar
    from trusts.errors import DomainError

    ap_lead, admin = people["ap_lead"], people["admin"]
    school = ap_lead.school
    docs = []
    with scope(trust=ap_lead.trust_id):
        placement = Placement.objects.filter(school=school, status="active").order_by("pk").first()
        version = SLAVersion.objects.filter(placement=placement).order_by("-number").first()
        if version is None:
            version = sla.sla_build_version(by=ap_lead, placement=placement)
        docs.append(
            {
                "label": "SLA (stored)",
                "role": "ap_lead",
                "url": reverse("placements:sla_pdf", args=[version.pk]),
                "limit": 0.1,
            }
        )
        notice = ReferralNotice.objects.filter(placement__school=school).order_by("pk").first()
        if notice is None:
            calendar = SchoolCalendar(school)
            upcoming = (
                Placement.objects.filter(school=school, status__in=["agreed", "proposed"])
                .order_by("start_date")
                .last()
            )
            if upcoming is not None:
                Placement.objects.filter(pk=upcoming.pk).update(
                    reason="off_site",
                    start_date=max(upcoming.start_date, calendar.add(timezone.localdate(), 4)),
                )
                upcoming.refresh_from_db()
                try:
                    notice = notices.referral_notice_issue(
                        by=ap_lead,
                        placement=upcoming,
                        notice_date=timezone.localdate(),
                        delivered_by="hand",
                        recipients="Parent",
                        report_to="Reception",
                        reasons="Repeated disruption.",
                        objectives="Settle back into learning.",
                    )
                except DomainError as error:
                    print("notice not issued:", error.message)
        if notice is not None:
            docs.append(
                {
                    "label": "off-site direction notice (stored)",
                    "role": "ap_lead",
                    "url": reverse("placements:notice_pdf", args=[notice.pk]),
                    "limit": 0.1,
                }
            )
        provider = people["provider"].provider
        visit = Visit.objects.filter(provider=provider, status="completed").order_by("pk").first()
    docs += [
        {
            "label": "vetting checklist, blank",
            "role": "admin",
            "url": reverse("providers:checklist_blank_pdf", args=[provider.pk]),
            "limit": 1.0,
        },
        {
            "label": "vetting record",
            "role": "admin",
            "url": reverse("providers:checklist_completed_pdf", args=[provider.pk]),
            "limit": 1.0,
        },
    ]
    if visit:
        docs.append(
            {
                "label": "QA visit report",
                "role": "admin",
                "url": reverse("qa:visit_report_pdf", args=[visit.pk]),
                "limit": 1.0,
            }
        )
    docs.append(
        {
            "label": "school termly report",
            "role": "head",
            "url": reverse("school_report_pdf", args=[school.pk]),
            "limit": 3.0,
        }
    )
    del admin
    return docs


def jobs() -> list[dict]:
    from apcommission.celery import prepare_process
    from attendance import tasks as attendance_tasks
    from placements import tasks as placement_tasks
    from providers import tasks as provider_tasks
    from qa import tasks as qa_tasks
    from trusts import tasks as trust_tasks

    with scopes_disabled():
        trust_id = Trust.objects.get(slug=SLUG).pk
    # What a worker's child loads as it starts (apcommission.celery), so the first job is timed as it runs in
    # a running worker, not with the process's imports.
    prepare_process(documents=False)
    todo = [
        ("attendance chase (first run)", attendance_tasks.chase),
        ("attendance chase (again)", attendance_tasks.chase),
        ("expected sessions extended", attendance_tasks.extend_sessions),
        ("review reminders", placement_tasks.remind_reviews),
        ("unsigned SLA reminders", placement_tasks.remind_unsigned_slas),
        ("part-time review reminders", placement_tasks.remind_part_time_reviews),
        ("evidence expiry", provider_tasks.check_evidence_expiry),
        ("QA reconcile", qa_tasks.reconcile),
        ("pending notifications delivered", trust_tasks.deliver_pending_notifications),
    ]
    out = []
    for name, task in todo:
        start = time.perf_counter()
        with QueryCount() as queries:
            result = task.apply(kwargs={"trust_id": trust_id}).get()
        out.append(
            {
                "name": name,
                "seconds": time.perf_counter() - start,
                "queries": len(queries),
                "result": json.dumps(result)[:60],
            }
        )
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--pages", action="store_true")
    parser.add_argument("--sign-in", action="store_true")
    parser.add_argument("--documents", action="store_true")
    parser.add_argument("--register", action="store_true")
    parser.add_argument("--jobs", action="store_true")
    parser.add_argument(
        "--warm", action="store_true", help="Refresh the trust's snapshots, as the beat does."
    )
    options = parser.parse_args()
    people = {role: membership(username) for role, username in PERSONAS.items()}
    result = {}
    if options.documents:
        result["documents"] = documents(people)
    if options.pages:
        result["pages"] = count_queries(people, pages(people))
    if options.sign_in:
        result["cookies"], result["csrf"] = sign_ins(people)
    if options.register:
        result["register"] = register_groups()
    if options.jobs:
        result["jobs"] = jobs()
    if options.warm:
        from reports.tasks import refresh_snapshots

        started = time.perf_counter()
        refreshed = refresh_snapshots(trust_id=people["admin"].trust_id)
        result["warm"] = {"refreshed": refreshed, "seconds": time.perf_counter() - started}
    with open(options.out, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
