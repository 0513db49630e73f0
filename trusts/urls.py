from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from trusts import people_views, school_views, views
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
    path(
        "account/password-reset/",
        people_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
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
    # People and roles
    path("account/invitation/<str:token>/", people_views.invitation_accept, name="invitation_accept"),
    path("people/", people_views.people_list, name="people_list"),
    path("people/invite/", people_views.person_invite, name="person_invite"),
    path("people/<int:person_pk>/", people_views.person_detail, name="person_detail"),
    path("people/<int:person_pk>/role/", people_views.person_role, name="person_role"),
    path("people/<int:person_pk>/suspend/", people_views.person_suspend, name="person_suspend"),
    path("people/<int:person_pk>/reinstate/", people_views.person_reinstate, name="person_reinstate"),
    path("people/<int:person_pk>/remove/", people_views.person_remove, name="person_remove"),
    path(
        "people/<int:person_pk>/two-factor-reset/",
        people_views.person_two_factor_reset,
        name="person_two_factor_reset",
    ),
    path(
        "people/invitations/<int:invitation_pk>/withdraw/",
        people_views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path(
        "people/invitations/<int:invitation_pk>/approve/",
        people_views.invitation_approve,
        name="invitation_approve",
    ),
    path("people/ask/", people_views.staff_request, name="staff_request"),
    path("me/", people_views.my_account, name="my_account"),
    path("me/password/", people_views.my_password, name="my_password"),
    path("me/two-factor/replace/", people_views.my_two_factor_replace, name="my_two_factor_replace"),
    # Setting up the trust: schools, term dates, closures
    path("trust/setup/", school_views.trust_setup, name="trust_setup"),
    path("trust/schools/", school_views.school_list, name="school_list"),
    path("trust/schools/new/", school_views.school_create, name="school_create"),
    path("trust/schools/<int:school_pk>/edit/", school_views.school_edit, name="school_edit"),
    path("trust/calendar/", school_views.calendar, name="calendar"),
    path("trust/calendar/terms/", school_views.term_dates, name="term_dates"),
    path("trust/schools/<int:school_pk>/terms/", school_views.school_term_dates, name="school_term_dates"),
    path("trust/calendar/closures/new/", school_views.closure_add, name="closure_add"),
    path(
        "trust/calendar/closures/<int:closure_pk>/remove/", school_views.closure_remove, name="closure_remove"
    ),
]
