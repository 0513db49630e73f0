"""The role-aware navigation: each entry shows to the people who hold the action its page needs."""

from dataclasses import dataclass

from django.urls import reverse

from trusts.permissions import has_perm


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    action: str | None  # None: every member
    icon: str
    # Occasional pages live in the person's menu, so the bar fits a laptop screen for every role.
    secondary: bool = False


NAV = [
    NavEntry("Home", "home", None, "house"),
    NavEntry("Providers", "providers:provider_list", "provider.list", "building-check"),
    NavEntry("Our provider", "providers:my_provider", "provider.read_own", "building"),
    NavEntry("Pupils", "placements:pupil_list", "pupil.read", "people"),
    NavEntry("Placements", "placements:placement_list", "placement.read", "signpost-split"),
    NavEntry("Register", "attendance:register", "register.mark", "check2-square"),
    NavEntry("Attendance", "attendance:school_register", "attendance.read", "calendar-check"),
    NavEntry("Follow-ups", "attendance:follow_ups", "attendance.read", "telephone"),
    NavEntry("QA visits", "qa:schedule", "qa_schedule.read", "clipboard2-check"),
    NavEntry("QA reports", "qa:visit_list", "qa_visit.read", "clipboard2-check", secondary=True),
    NavEntry("QA decisions", "qa:flag_list", "qa_flag.decide", "flag", secondary=True),
    NavEntry("Reports", "report_index", "report.termly", "file-earmark-bar-graph"),
    NavEntry("Overview", "trust_overview", "report.overview", "table", secondary=True),
    NavEntry("Invoices", "invoice_list", "invoice.read", "receipt", secondary=True),
    NavEntry("Set-up checklist", "trust_setup", "trust.setup", "list-check", secondary=True),
    NavEntry("People", "people_list", "people.read", "person-badge", secondary=True),
    NavEntry(
        "Ask for a colleague's account",
        "staff_request",
        "provider_staff.request",
        "person-plus",
        secondary=True,
    ),
    NavEntry("Schools and calendar", "calendar", "calendar.read", "calendar3", secondary=True),
    NavEntry("My account", "my_account", None, "person-gear", secondary=True),
    NavEntry("Concerns", "placements:concern_list", "concern.read", "shield-exclamation"),
    NavEntry("Access log", "access_log", "access_log.read", "journal-text", secondary=True),
    NavEntry("Trust policy", "trust_policy", "trust_policy.edit", "sliders", secondary=True),
    NavEntry("Retention", "placements:retention_reviews", "retention.confirm", "trash", secondary=True),
]


def nav_for(membership, current_path: str) -> list[dict]:
    items = []
    for entry in NAV:
        if entry.action is not None and not has_perm(membership, entry.action):
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append(
            {
                "label": entry.label,
                "url": url,
                "icon": entry.icon,
                "active": active,
                "secondary": entry.secondary,
            }
        )
    return items
