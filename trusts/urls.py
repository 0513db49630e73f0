from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from trusts import views
from trusts.forms import SignInForm

urlpatterns = [
    path(
        "account/login/",
        auth_views.LoginView.as_view(authentication_form=SignInForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("account/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
    path(
        "account/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "account/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("trusts/choose/", views.choose_trust, name="choose_trust"),
    path("switch/<int:membership_pk>/", views.switch_membership, name="switch_membership"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:notification_pk>/read/", views.notification_read, name="notification_read"),
    path("inbox/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("audit/access-log/", views.access_log, name="access_log"),
    path("audit/access-log.csv", views.access_log, {"export": True}, name="access_log_csv"),
    path("trust/policy/", views.trust_policy, name="trust_policy"),
]
