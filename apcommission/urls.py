from django.contrib import admin
from django.urls import include, path

from apcommission import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", include("trusts.urls")),
    path("", include("reports.urls")),
    path("", include("placements.urls")),
    path("attendance/", include("attendance.urls")),
    path("providers/", include("providers.urls")),
    path("qa/", include("qa.urls")),
]

handler403 = "apcommission.errors.permission_denied"
handler404 = "apcommission.errors.page_not_found"
handler500 = "apcommission.errors.server_error"
