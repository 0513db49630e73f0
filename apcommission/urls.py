from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from apcommission import views

# The Django admin is the platform operator's cross-trust tool: it asks for the password and a code from a
# registered device (django-otp), and lets in only active staff accounts (``is_staff``) that passed both.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    # The apps under a prefix of their own first: a path is matched against the patterns in order, and a
    # register tap (the busiest request) no longer tries the hundred and more patterns of the apps below.
    path("attendance/", include("attendance.urls")),
    path("providers/", include("providers.urls")),
    path("qa/", include("qa.urls")),
    path("", include("trusts.urls")),
    path("", include("reports.urls")),
    path("", include("placements.urls")),
]

handler403 = "apcommission.errors.permission_denied"
handler404 = "apcommission.errors.page_not_found"
handler500 = "apcommission.errors.server_error"
