"""Project-wide response rules: the size of a request, caching of signed-in pages, browser features, and a
clear answer when the database is out of reach."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

from apcommission.errors import database_unavailable

log = logging.getLogger(__name__)

# Browser features the app never uses, switched off for every page and for anything a page might embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
NO_STORE = "no-store, private"
# When the session was last refreshed (seconds since the epoch): SlidingSessionMiddleware.
SESSION_SEEN_KEY = "_seen"

TOO_LARGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Too large · AP Commission</title></head>
<body><main><h1>That was too large to accept</h1>
<p>The largest upload accepted is {limit} MB. Choose a smaller file and try again.</p>
<p><a href="/">Go to your home page</a></p></main></body></html>
"""


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than REQUEST_MAX_BYTES before anything reads it.

    First in the chain, so neither the CSRF check nor a form ever reads a 100 MB body only to refuse it. A
    body without a Content-Length is never read by Django under WSGI, so the declared length is the one that
    counts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return HttpResponse("Malformed Content-Length.", status=400, content_type="text/plain")
        if length < 0:
            return HttpResponse("Malformed Content-Length.", status=400, content_type="text/plain")
        if length > settings.REQUEST_MAX_BYTES:
            response = HttpResponse(
                TOO_LARGE.format(limit=settings.REQUEST_MAX_BYTES // 1024 // 1024), status=413
            )
            # The unread body stays on the connection; closing it is the only safe end.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class ResponseHeadersMiddleware:
    """Every response: a Permissions-Policy. Every response to a signed-in person: ``Cache-Control: no-store,
    private``, because nearly every page, PDF and CSV behind the sign-in carries pupil data, and a shared
    computer's browser cache or a proxy must keep none of it.

    It sits just after SecurityMiddleware; WhiteNoise answers static files before the session is read, so
    they stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = NO_STORE
            response.setdefault("Pragma", "no-cache")
        return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach PostgreSQL (down, refusing connections, the pool exhausted) answers 503 with a
    page that says so, not a 500. Failures in middleware before the view reach handler500, which gives the
    same answer (apcommission.errors.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            log.warning("Database unavailable for %s: %s", request.path, exception)
            return database_unavailable()
        return None


class SlidingSessionMiddleware(SessionMiddleware):
    """Django's sessions, with the idle timeout kept without writing the session on every request.

    The session remembers when it was last refreshed (``SESSION_SEEN_KEY``, seconds since the epoch). A request
    more than SESSION_COOKIE_AGE after that finds the session ended (flushed: signed out); a request at least
    SESSION_REFRESH_SECONDS after it refreshes it, which saves the session and moves its expiry on. So a
    session idle for SESSION_COOKIE_AGE always ends (at most SESSION_REFRESH_SECONDS sooner), whatever the
    store, while a busy phone writes its session once a minute instead of on every tap."""

    def process_request(self, request):
        super().process_request(request)
        session = request.session
        if session.session_key is None:
            return
        seen = session.get(SESSION_SEEN_KEY)
        if seen is not None and time.time() - seen >= settings.SESSION_COOKIE_AGE:
            session.flush()

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            seen = session.get(SESSION_SEEN_KEY)
            if seen is None or now - seen >= settings.SESSION_REFRESH_SECONDS:
                session[SESSION_SEEN_KEY] = now
        return super().process_response(request, response)
