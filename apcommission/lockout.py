"""Sign-in lockout with two limits: one for an account, a larger one for an address.

django-axes counts failures for each of AXES_LOCKOUT_PARAMETERS (``username``: one account from any
address; ``ip_address``: any accounts from one address) and locks when the largest count reaches one limit.
A school's staff sign in from one shared address, so an address is allowed AXES_ADDRESS_FAILURE_LIMIT
failures before the whole address is locked, and an account AXES_FAILURE_LIMIT. The address count is scaled
onto the account limit so axes' single comparison applies both.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _limit_for(parameter) -> int:
    if parameter == "ip_address":
        return settings.AXES_ADDRESS_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        """Failures on the account's scale: an address at its own limit counts as an account at its limit."""
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            worst = max(worst, count * settings.AXES_FAILURE_LIMIT // _limit_for(parameter))
        return worst

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful sign-in clears that account's own failures, not everyone's from the same address:
        otherwise an attacker with one working account could wipe the address count (and every account's
        count from that address) by signing in between guesses."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
