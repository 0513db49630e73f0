"""The memberships each request needs come from the cache, and any change to them is felt on the next request."""

from django.urls import reverse
from django_scopes import scopes_disabled

from tests.conftest import sign_in
from trusts import membership_cache
from trusts.models import Membership


def test_memberships_are_read_once_then_from_the_cache(client, world, monkeypatch):
    reads = []
    real = membership_cache.memberships_of
    monkeypatch.setattr(membership_cache, "memberships_of", lambda user: reads.append(user) or real(user))
    sign_in(client, world.personas["a.ap_lead"])
    url = reverse("school_dashboard")
    client.get(url)
    assert len(reads) == 1
    assert client.get(url).status_code == 200
    assert len(reads) == 1


def test_a_membership_ended_is_refused_on_the_next_request(client, world):
    member = world.personas["a.ap_lead"]
    sign_in(client, member)
    url = reverse("school_dashboard")
    assert client.get(url).status_code == 200
    with scopes_disabled():
        Membership.objects.filter(pk=member.pk).update(is_active=False)  # no signal: the cache is not told
        assert client.get(url).status_code == 200  # (which is why writes like this must say so)
        membership_cache.forget(member.user_id)
        response = client.get(url)
    assert response.status_code == 302  # no membership left: off to choose a trust, nothing shown
    with scopes_disabled():
        member.refresh_from_db()
        member.is_active = True
        member.save()  # a save tells the cache itself
    assert client.get(url).status_code == 200


def test_a_trust_renamed_shows_at_once(client, world):
    sign_in(client, world.personas["a.ap_lead"])
    url = reverse("school_dashboard")
    client.get(url)
    with scopes_disabled():
        trust = world.trust_a
        trust.name = "Renamed Learning Trust"
        trust.save()
    assert "Renamed Learning Trust" in client.get(url).content.decode()


def test_a_suspended_person_is_signed_out_at_once(client, world):
    member = world.personas["a.ap_lead"]
    sign_in(client, member)
    url = reverse("school_dashboard")
    assert client.get(url).status_code == 200
    user = member.user
    user.is_active = False
    user.save()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
