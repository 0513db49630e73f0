"""Operator views of the providers app (the admin is one of the deliberate cross-trust places)."""

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from providers.models import (
    ApprovalCondition,
    ApprovalEvent,
    ChecklistItem,
    ChecklistTemplate,
    Evidence,
    Provider,
    ProviderChecklist,
)


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["legal_name", "trust", "status", "registration_status", "risk_level", "approved_until"]
    list_filter = ["trust", "status", "registration_status", "risk_level"]
    search_fields = ["legal_name", "trading_name", "urn", "ukprn"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Status moves only through the approval workflow, which records who and why.
    readonly_fields = ["status", "approved_until"]


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["provider", "evidence_type", "issue_date", "expiry_date", "status", "trust"]
    list_filter = ["trust", "status", "evidence_type"]
    search_fields = ["provider__legal_name", "title"]
    # The file has no URL on purpose (downloads go through the permission-checking view): show its name only.
    exclude = ["file"]
    readonly_fields = [
        "stored_as",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "verified_by",
        "verified_at",
    ]

    @admin.display(description="stored as")
    def stored_as(self, obj):
        return obj.file.name


@admin.register(ApprovalEvent)
class ApprovalEventAdmin(admin.ModelAdmin):
    list_display = ["provider", "from_status", "to_status", "actor_label", "at"]
    list_filter = ["trust", "to_status"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovalCondition)
class ApprovalConditionAdmin(SimpleHistoryAdmin):
    list_display = ["provider", "text", "due_date", "met_at"]
    list_filter = ["trust"]


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ["section", "order", "code", "text", "applies_to", "required"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "trust", "version", "is_current", "created_at"]
    list_filter = ["trust", "is_current"]
    inlines = [ChecklistItemInline]


@admin.register(ProviderChecklist)
class ProviderChecklistAdmin(SimpleHistoryAdmin):
    list_display = ["provider", "template", "updated_at"]
    list_filter = ["trust"]
