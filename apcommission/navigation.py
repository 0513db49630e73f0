"""The role-aware navigation. Each app adds its entries here when its pages exist."""

from dataclasses import dataclass

from django.urls import reverse

from trusts.roles import AUDIT_READER_ROLES, SCHOOL_SIDE_ROLES, Role

ALL = frozenset(Role)


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: frozenset
    icon: str
    # Occasional pages live in the person's menu, so the bar fits a laptop screen for every role.
    secondary: bool = False


# The school-side roles that work with pupils day to day (governors read reports instead).
PUPIL_WORKERS = frozenset(
    {Role.TRUST_ADMIN, Role.HEADTEACHER, Role.AP_LEAD, Role.ATTENDANCE_OFFICER, Role.DSL}
)

NAV = [
    NavEntry("Home", "home", ALL, "house"),
    NavEntry("Providers", "providers:provider_list", frozenset(SCHOOL_SIDE_ROLES), "building-check"),
    NavEntry("Our provider", "providers:my_provider", frozenset({Role.PROVIDER_STAFF}), "building"),
    NavEntry("Pupils", "placements:pupil_list", PUPIL_WORKERS, "people"),
    NavEntry(
        "Placements", "placements:placement_list", PUPIL_WORKERS | {Role.PROVIDER_STAFF}, "signpost-split"
    ),
    NavEntry("Register", "attendance:register", frozenset({Role.PROVIDER_STAFF}), "check2-square"),
    NavEntry("Attendance", "attendance:school_register", PUPIL_WORKERS, "calendar-check"),
    NavEntry("Follow-ups", "attendance:follow_ups", PUPIL_WORKERS, "telephone"),
    NavEntry("Access log", "access_log", frozenset(AUDIT_READER_ROLES), "journal-text", secondary=True),
    NavEntry("Trust policy", "trust_policy", frozenset({Role.TRUST_ADMIN}), "sliders", secondary=True),
]


def nav_for(membership, current_path: str) -> list[dict]:
    items = []
    for entry in NAV:
        if membership.role not in entry.roles:
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
