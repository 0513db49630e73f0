"""Error pages. 403 and 404 use the normal layout; 500 and 503 use pages that need no database or context."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

# Seconds a client or load balancer should wait before trying again when the database is out of reach.
RETRY_AFTER_SECONDS = 30


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def database_unavailable() -> HttpResponse:
    """503 with a page rendered without the database, the session or any context processor."""
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    # Called while the exception is being handled: a database that is down or full is a 503, not a bug.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable()
    return HttpResponseServerError(loader.get_template("500.html").render())
