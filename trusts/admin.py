"""The Django admin is the platform operator's tool and one of the deliberate cross-trust places: the tenant
middleware disables scopes for staff users under /admin/."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from trusts.models import (
    AcademicYear,
    AccessLog,
    ClosureDay,
    Invitation,
    Membership,
    Notification,
    PersonEvent,
    School,
    Term,
    Trust,
    TrustPolicy,
)


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["name", "trust", "urn", "phase", "local_authority"]
    list_filter = ["trust", "phase"]
    search_fields = ["name", "urn"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "trust", "role", "school", "is_active"]
    list_filter = ["trust", "role", "is_active"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(TrustPolicy)
class TrustPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["trust", "full_time_hours_threshold", "registration_pupil_limit"]


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["name", "trust", "start_date", "end_date"]
    list_filter = ["trust"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "trust",
        "school",
        "start_date",
        "end_date",
        "half_term_start",
        "half_term_end",
    ]
    list_filter = ["trust"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "trust", "school", "reason"]
    list_filter = ["trust", "kind"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "role", "subject_label", "action", "trust"]
    list_filter = ["trust", "role"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "subject", "email_status", "read_at", "trust"]
    list_filter = ["trust", "email_status"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "email",
        "role",
        "school",
        "trust",
        "approved_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["trust", "role"]
    search_fields = ["email"]
    exclude = ["token_hash"]


@admin.register(PersonEvent)
class PersonEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "person", "action", "detail", "actor", "trust"]
    list_filter = ["trust", "action"]
