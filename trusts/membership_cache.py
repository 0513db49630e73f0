"""A person's memberships for each request, from the cache, with a version check that makes any change felt at once.

Every signed-in request needs the person's active memberships (trusts.middleware). They change rarely, so the
list is kept in the cache beside two version tokens: one per person (changed whenever one of their memberships
or their user row is saved or deleted) and one for everyone (changed whenever a trust or a school is saved or
deleted, since the list carries their names). A request reads the entry and both tokens in one round trip and
uses the entry only when it was built under the tokens that stand now; otherwise it reads the database (on
the named cross-trust route, as ``memberships_of`` does) and stores the list under the tokens it read first.

A token changes at the save and again when the transaction commits, so a request that read the database in
between (and saw the old rows) stores its list under a token that no longer stands. A suspended or removed
member is therefore refused on their next request, whatever the cache held. ``forget(user_id)`` is for writes
that bypass the model signals (``QuerySet.update``). With no token at all (a cold or flushed cache), the tokens
are set and read back first, then the list is read from the database and stored under them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from trusts.selectors import memberships_of

EVERYONE = "memberships:v:all"
TIMEOUT = 60 * 60  # an entry not read for an hour goes


def _person_key(user_id) -> str:
    return f"memberships:v:{user_id}"


def _entry_key(user_id) -> str:
    return f"memberships:{user_id}"


def _new_token(key: str) -> None:
    cache.set(key, uuid.uuid4().hex, timeout=None)


def _changed(key: str) -> None:
    _new_token(key)
    transaction.on_commit(lambda: _new_token(key))


def forget(user_id) -> None:
    """The person's memberships changed without a model signal: their next request reads them again."""
    _changed(_person_key(user_id))


def forget_everyone() -> None:
    """A trust or a school changed: every cached list is read again."""
    _changed(EVERYONE)


def memberships_for_request(user) -> list:
    """``memberships_of(user)``, from the cache when nothing has changed since it was stored (and only when the
    cache is one all processes share)."""
    if not settings.SHARED_CACHE:
        return memberships_of(user)
    person, entry_key = _person_key(user.pk), _entry_key(user.pk)
    found = cache.get_many([EVERYONE, person, entry_key])
    everyone_token, person_token = found.get(EVERYONE), found.get(person)
    entry = found.get(entry_key)
    if everyone_token and person_token and entry and entry[0] == (everyone_token, person_token):
        return entry[1]
    if not (everyone_token and person_token):
        # A cold cache: set the missing tokens (without replacing one another process set meanwhile) and read
        # them back before the database, so the list read next is stored under tokens read before it.
        if not everyone_token:
            cache.add(EVERYONE, uuid.uuid4().hex, timeout=None)
        if not person_token:
            cache.add(person, uuid.uuid4().hex, timeout=None)
        found = cache.get_many([EVERYONE, person])
        everyone_token, person_token = found.get(EVERYONE), found.get(person)
    memberships = memberships_of(user)
    if everyone_token and person_token:
        cache.set(entry_key, ((everyone_token, person_token), memberships), timeout=TIMEOUT)
    return memberships


def _person_changed(sender, instance, **kwargs):
    forget(instance.user_id if sender is not _user_model() else instance.pk)


def _everyone_changed(sender, instance, created=False, **kwargs):
    if not created:  # a new school or trust is in nobody's list yet (their memberships will say so)
        forget_everyone()


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def connect_signals() -> None:
    """Called from TrustsConfig.ready: the saves and deletes that change someone's list of memberships."""
    from django.db.models.signals import post_delete, post_save

    from trusts.models import Membership, School, Trust

    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(_person_changed, sender=Membership, dispatch_uid=f"membership_cache_membership_{name}")
        signal.connect(_person_changed, sender=_user_model(), dispatch_uid=f"membership_cache_user_{name}")
        signal.connect(_everyone_changed, sender=Trust, dispatch_uid=f"membership_cache_trust_{name}")
        signal.connect(_everyone_changed, sender=School, dispatch_uid=f"membership_cache_school_{name}")
