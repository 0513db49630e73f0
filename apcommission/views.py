"""Project-level pages that belong to no app."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from apcommission.health import check_all


@never_cache
def healthz(request):
    """Liveness and readiness for load balancers and compose: the database and the broker, as JSON."""
    state, ok = check_all()
    return JsonResponse(state, status=200 if ok else 503)
