"""Request middleware: the second factor, then the active trust, its scope and its row-level security setting."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope, scopes_disabled

from trusts import rls
from trusts.membership_cache import memberships_for_request
from trusts.services import ACTIVE_MEMBERSHIP_SESSION_KEY

# Paths that work without a chosen trust or a verified second factor.
OPEN_PREFIXES = ("/static/", "/healthz", "/account/", "/favicon.ico")


def _is_open(path: str) -> bool:
    return path.startswith(OPEN_PREFIXES)


def _with_next(url_name: str, request) -> str:
    target = request.get_full_path()
    url = reverse(url_name)
    if request.method == "GET" and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        url = f"{url}?{urlencode({'next': target})}"
    return url


class TwoFactorMiddleware:
    """Trust admins, headteachers and DSLs must pass a TOTP check at every sign-in before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        request.memberships = list(memberships_for_request(user))
        request.needs_two_factor = any(m.needs_two_factor for m in request.memberships)
        if request.needs_two_factor and not user.is_verified() and not _is_open(request.path):
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            return redirect(_with_next("two_factor_verify" if has_device else "two_factor_setup", request))
        return self.get_response(request)


class TenantMiddleware:
    """Resolve the active membership, check it, and open the trust's scope for the rest of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.trust = None
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        if request.path.startswith("/admin/") and user.is_staff:
            # The Django admin is the platform operator's cross-trust tool (see README, "Tenant isolation").
            with scopes_disabled(), rls.bypass():
                return self.get_response(request)

        memberships = request.memberships
        chosen = request.session.get(ACTIVE_MEMBERSHIP_SESSION_KEY)
        membership = next((m for m in memberships if m.pk == chosen), None)
        if membership is None and len(memberships) == 1:
            membership = memberships[0]
            request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
        if membership is None:
            if chosen is not None:
                del request.session[ACTIVE_MEMBERSHIP_SESSION_KEY]
            if (
                _is_open(request.path)
                or request.path == reverse("choose_trust")
                or request.path.startswith("/switch/")
            ):
                return self.get_response(request)
            return redirect(_with_next("choose_trust", request))

        request.membership = membership
        request.trust = membership.trust
        # The scope holds the ORM to the trust; the database's row-level security holds every query.
        with scope(trust=membership.trust_id), rls.trust_context(membership.trust_id):
            return self.get_response(request)


def idle_timeout_minutes() -> int:
    return settings.SESSION_COOKIE_AGE // 60
