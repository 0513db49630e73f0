"""The app's URLs plus /bench/bare: a view that does nothing, behind the same middleware and server, the yardstick
the benchmark measures every page against."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare", bare), path("", include("apcommission.urls"))]
