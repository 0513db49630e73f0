"""Operator views of placements data (the admin is one of the deliberate cross-trust places)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from placements.models import BehaviourIncident, Carer, Placement, Pupil, Review, SLAVersion, TimetableSession


class TimetableInline(admin.TabularInline):
    model = TimetableSession
    extra = 0


@admin.register(Pupil)
class PupilAdmin(SimpleHistoryAdmin):
    list_display = ["legal_last_name", "legal_first_name", "school", "year_group", "trust"]
    list_filter = ["trust", "school"]
    search_fields = ["legal_last_name", "upn"]


@admin.register(Carer)
class CarerAdmin(SimpleHistoryAdmin):
    list_display = ["name", "pupil", "relationship", "has_parental_responsibility"]


@admin.register(Placement)
class PlacementAdmin(SimpleHistoryAdmin):
    list_display = ["pupil", "provider", "school", "status", "start_date"]
    list_filter = ["trust", "status", "reason"]
    inlines = [TimetableInline]


@admin.register(SLAVersion)
class SLAVersionAdmin(admin.ModelAdmin):
    list_display = ["placement", "number", "superseded_at", "school_signed_at", "provider_signed_at"]
    readonly_fields = ["snapshot", "fingerprint"]


admin.site.register(Review)
admin.site.register(BehaviourIncident)
