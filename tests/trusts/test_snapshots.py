"""Figures kept a few minutes (trusts.snapshots): shared by the trust's own people, by one school's staff where
the caller says so, otherwise counted live; worked out again by one request at a time once old."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache

from trusts.models import Membership
from trusts.roles import Role
from trusts.snapshots import MAX_AGE, key_for, snapshot

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/London"))


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.calls


def test_trust_wide_people_share_a_snapshot_school_staff_count_live(time_machine):
    time_machine.move_to(NOON, tick=False)
    admin = Membership(trust_id=910001, role=Role.TRUST_ADMIN)
    governor = Membership(trust_id=910001, role=Role.GOVERNOR)
    head = Membership(trust_id=910001, role=Role.HEADTEACHER, school_id=5)
    count = Counter()
    first = snapshot(admin, ("x",), count)
    assert (first.value, first.as_of) == (1, NOON)
    assert snapshot(governor, ("x",), count).value == 1  # the same trust's snapshot
    assert snapshot(Membership(trust_id=910002, role=Role.TRUST_ADMIN), ("x",), count).value == 2
    live = snapshot(head, ("x",), count)
    assert (live.value, live.as_of) == (3, None)


def test_per_school_snapshots_are_shared_by_one_schools_staff_only(time_machine):
    time_machine.move_to(NOON, tick=False)
    head = Membership(trust_id=910003, role=Role.HEADTEACHER, school_id=5)
    governor = Membership(trust_id=910003, role=Role.GOVERNOR, school_id=5)
    other_school = Membership(trust_id=910003, role=Role.HEADTEACHER, school_id=6)
    admin = Membership(trust_id=910003, role=Role.TRUST_ADMIN)
    provider = Membership(trust_id=910003, role=Role.PROVIDER_STAFF, provider_id=7)
    count = Counter()
    first = snapshot(head, ("y",), count, per_school=True)
    assert (first.value, first.as_of) == (1, NOON)
    assert snapshot(governor, ("y",), count, per_school=True).value == 1  # the same school's
    assert snapshot(other_school, ("y",), count, per_school=True).value == 2  # never another school's
    assert snapshot(admin, ("y",), count, per_school=True).value == 3  # the trust's, apart from any school's
    live = snapshot(provider, ("y",), count, per_school=True)
    assert (live.value, live.as_of) == (4, None)  # provider staff: counted live


def test_an_old_snapshot_is_worked_out_again_and_one_being_worked_out_is_served_stale(time_machine):
    time_machine.move_to(NOON, tick=False)
    admin = Membership(trust_id=910003, role=Role.TRUST_ADMIN)
    count = Counter()
    assert snapshot(admin, ("y",), count).value == 1
    time_machine.move_to(NOON + MAX_AGE + timedelta(seconds=1), tick=False)
    # Another request is working it out: this one is answered from the old one, which says its age.
    cache.add(key_for(910003, "y") + ":working", 1, 60)
    stale = snapshot(admin, ("y",), count)
    assert (stale.value, stale.as_of) == (1, NOON) and count.calls == 1
    cache.delete(key_for(910003, "y") + ":working")
    fresh = snapshot(admin, ("y",), count)
    assert fresh.value == 2 and fresh.as_of == NOON + MAX_AGE + timedelta(seconds=1)


def test_a_process_reuses_its_copy_until_the_snapshot_is_kept_again_or_forgotten(time_machine, monkeypatch):
    """Each process keeps the snapshot it read and reads Redis's only when the stamp there changed: a snapshot
    kept again or forgotten by another process is never served from the old copy."""
    from trusts import snapshots

    time_machine.move_to(NOON, tick=False)
    admin = Membership(trust_id=910004, role=Role.TRUST_ADMIN)
    key = key_for(910004, "z")
    count = Counter()
    assert snapshot(admin, ("z",), count).value == 1
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda k, *a, **kw: reads.append(k) or real_get(k, *a, **kw))
    assert snapshot(admin, ("z",), count).value == 1
    assert reads == [key + ":stamp"]  # the stamp only, not the value
    # Another process keeps it again: the stamp changes, so this process reads the new value.
    stored = real_get(key)
    cache.set(key, snapshots.Snapshot(99, stored.as_of, "other-stamp"), 60)
    cache.set(key + ":stamp", "other-stamp", 60)
    reads.clear()
    assert snapshot(admin, ("z",), count).value == 99
    assert reads == [key + ":stamp", key]
    # Forgotten (a write elsewhere): worked out again here, never the copy.
    snapshots.forget(910004, "z")
    assert snapshot(admin, ("z",), count).value == 2 and count.calls == 2
    # A process that never read it reads Redis's value once, then its own copy.
    monkeypatch.setattr(snapshots, "_local", snapshots.OrderedDict())
    reads.clear()
    assert snapshot(admin, ("z",), count).value == 2
    assert snapshot(admin, ("z",), count).value == 2
    assert reads == [key + ":stamp", key, key + ":stamp"]


def test_a_snapshots_html_is_rendered_once_per_keeping_and_variant():
    """``rendered``: the same snapshot (stamp) and variant give the HTML rendered first; a new keeping, another
    variant or a live value are rendered afresh."""
    import uuid

    from trusts.snapshots import Snapshot, rendered

    stamp = uuid.uuid4().hex
    first = rendered(Snapshot(1, NOON, stamp), "_as_of.html", {"as_of": NOON}, vary=("a",))
    assert "Figures as of 12:00" in first
    later = NOON + timedelta(hours=1)
    again = rendered(Snapshot(1, NOON, stamp), "_as_of.html", {"as_of": later}, vary=("a",))
    assert again == first  # kept: not rendered again
    assert "13:00" in rendered(Snapshot(1, NOON, stamp), "_as_of.html", {"as_of": later}, vary=("b",))
    assert "13:00" in rendered(
        Snapshot(1, NOON, uuid.uuid4().hex), "_as_of.html", {"as_of": later}, vary=("a",)
    )
    assert "13:00" in rendered(Snapshot(1, None), "_as_of.html", {"as_of": later})
