import base64
from dataclasses import dataclass

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from trusts import services
from trusts.access import get_visible_or_404
from trusts.csv_export import SafeWriter
from trusts.errors import DomainError
from trusts.forms import AccessLogFilter, TokenForm, TrustPolicyForm
from trusts.models import AccessLog, Notification, TrustPolicy
from trusts.permissions import member_required, permission_required
from trusts.recipients import alerts_table


def _home() -> str:
    """Where a signed-in person lands: the project's LOGIN_REDIRECT_URL (the home page is not this app's)."""
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return _home()


def _qr_data_uri(text: str) -> str:
    svg = segno.make(text, error="m").svg_inline(scale=5, dark="#000", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


TOO_FAST = "Too many wrong codes in a row. Wait a few seconds, then enter the newest code."
WRONG_CODE = (
    "That code is not right, or it has been used already. Check your phone's clock and try the newest code."
)


def _verify(devices, token):
    """(device that accepted the token, None) or (None, the message to show). django-otp slows down repeated
    guesses (1 s, 2 s, 4 s ...) and refuses a code that was already used."""
    allowed = [device for device in devices if device.verify_is_allowed()[0]]
    if not allowed:
        return None, TOO_FAST
    for device in allowed:
        if device.verify_token(token):
            return device, None
    return None, WRONG_CODE


def _second_factor_passed(request, device):
    """Mark the session verified and give it a new key: a session id seen before the second factor (on a
    shared computer, in a log) must not carry the verified sign-in."""
    otp_login(request, device)
    request.session.cycle_key()
    rotate_token(request)


@login_required
def two_factor_setup(request):
    """First sign-in of a role that needs a second factor: register an authenticator app."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('two_factor_verify')}?next={_safe_next(request)}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted, error = _verify([device], form.cleaned_data["token"])
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _second_factor_passed(request, device)
            messages.success(
                request, "Two-factor sign-in is set up. You will be asked for a code at every sign-in."
            )
            return redirect(_safe_next(request))
        form.add_error("token", error)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "secret": secret, "qr": _qr_data_uri(device.config_url), "next": _safe_next(request)},
    )


@login_required
def two_factor_verify(request):
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect("two_factor_setup")
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted, error = _verify(devices, form.cleaned_data["token"])
        if accepted:
            _second_factor_passed(request, accepted)
            return redirect(_safe_next(request))
        form.add_error("token", error)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _safe_next(request)})


@login_required
def choose_trust(request):
    return render(
        request, "trusts/choose_trust.html", {"choices": request.memberships, "next": _safe_next(request)}
    )


@login_required
@require_POST
def switch_membership(request, membership_pk):
    try:
        membership = services.membership_activate(request=request, membership_id=membership_pk)
    except DomainError:
        raise Http404("You are not a member of that trust.") from None
    messages.info(
        request, f"You are now working in {membership.trust.name} as {membership.get_role_display().lower()}."
    )
    return redirect(_home())


@member_required
def inbox(request):
    notifications = Notification.objects.for_user(request.user).order_by("read_at", "-created_at", "-id")
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(request, "trusts/inbox.html", {"page": page})


@member_required
@require_POST
def notification_read(request, notification_pk):
    notification = get_visible_or_404(Notification.objects, request.membership, pk=notification_pk)
    services.notification_mark_read(notification=notification)
    if request.htmx:
        notification.refresh_from_db()
        return render(request, "trusts/_notification.html", {"n": notification})
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("inbox")


@member_required
@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("inbox")


@permission_required("access_log.read")
def access_log(request, export=False):
    queryset = AccessLog.objects.visible_to(request.membership).select_related("school", "user")
    filterset = AccessLogFilter(request.GET or None, queryset=queryset)
    entries = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    if export:
        return _access_log_csv(entries)
    return render(
        request,
        "trusts/access_log.html",
        {"filter": filterset, "page": _access_log_page(request, entries), "query": request.GET.urlencode()},
    )


ACCESS_LOG_PAGE_SIZE = 50
# Past this a page number is taken as a mistake (and its offset would overflow the database's integer).
ACCESS_LOG_MAX_PAGE = 100_000


@dataclass(frozen=True)
class AccessLogPage:
    number: int
    object_list: list
    has_next: bool
    query: QueryDict

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_query(self) -> str:
        return self._query_for(self.number - 1)

    @property
    def next_query(self) -> str:
        return self._query_for(self.number + 1)

    def _query_for(self, number: int) -> str:
        query = self.query.copy()
        query["page"] = number
        return query.urlencode()


def _access_log_page(request, entries) -> AccessLogPage:
    """A page of the log, newest first, read without counting the log: one query whatever the log holds (a count
    is a scan of an ever-growing table, and a paginator skips the rows' query when it counts none). The row past
    the page says whether there is an older page; a page number past the end shows the first page."""
    try:
        number = int(request.GET.get("page", 1))
    except (TypeError, ValueError):
        number = 1
    if not 1 <= number <= ACCESS_LOG_MAX_PAGE:
        number = 1
    start = (number - 1) * ACCESS_LOG_PAGE_SIZE
    rows = list(entries[start : start + ACCESS_LOG_PAGE_SIZE + 1])
    if not rows and number > 1:
        number, rows = 1, list(entries[: ACCESS_LOG_PAGE_SIZE + 1])
    return AccessLogPage(
        number=number,
        object_list=rows[:ACCESS_LOG_PAGE_SIZE],
        has_next=len(rows) > ACCESS_LOG_PAGE_SIZE,
        query=request.GET,
    )


ACCESS_LOG_EXPORT_LIMIT = 50_000


def _access_log_csv(entries):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{timezone.localdate():%Y%m%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = SafeWriter(response)
    writer.writerow(
        ["first view", "last view", "views", "name", "username", "role", "record", "school", "action", "from"]
    )
    for e in entries[:ACCESS_LOG_EXPORT_LIMIT]:
        writer.writerow(
            [
                f"{timezone.localtime(e.at):%Y-%m-%d %H:%M:%S}",
                f"{timezone.localtime(e.last_at or e.at):%Y-%m-%d %H:%M:%S}",
                e.views,
                (e.user.get_full_name() if e.user else "") or e.username,
                e.username,
                e.get_role_display(),
                e.subject_label,
                e.school.name if e.school else "",
                e.action,
                e.ip_address or "",
            ]
        )
    return response


@permission_required("trust_policy.edit")
def trust_policy(request):
    policy = TrustPolicy.objects.get(trust=request.trust)
    form = TrustPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        services.trust_policy_update(policy=policy, by=request.membership, data=form.cleaned_data)
        messages.success(request, "The trust policy is saved. New checks use it from now on.")
        return redirect("trust_policy")
    return render(
        request, "trusts/trust_policy.html", {"form": form, "policy": policy, "alerts": alerts_table()}
    )
