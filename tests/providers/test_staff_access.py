"""Removing a member of provider staff's access: trust admins only, recorded, and effective at once."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from providers import services
from tests.conftest import sign_in
from trusts.errors import DomainError
from trusts.models import Membership

pytestmark = pytest.mark.django_db


def remove_url(membership):
    return reverse("providers:staff_remove", kwargs={"staff_pk": membership.pk})


def detail_url(provider):
    return reverse("providers:provider_detail", kwargs={"provider_pk": provider.pk})


def reload(membership):
    with scopes_disabled():
        return Membership.objects.select_related("ended_by").get(pk=membership.pk)


def test_admin_removes_access_from_the_staff_list(world, client):
    admin, staff, provider = (
        world.personas["a.trust_admin"],
        world.personas["a.provider_staff"],
        world.providers["a"],
    )
    staff_client = sign_in(Client(), staff)
    assert staff_client.get(detail_url(provider)).status_code == 200

    sign_in(client, admin)
    page = client.get(detail_url(provider)).content.decode()
    assert remove_url(staff) in page

    confirm = client.get(remove_url(staff))
    assert confirm.status_code == 200
    assert "will be signed out at once" in confirm.content.decode()

    response = client.post(remove_url(staff))
    assert response.status_code == 302 and response["Location"] == detail_url(provider)

    ended = reload(staff)
    assert not ended.is_active
    assert ended.ended_by == admin.user and ended.ended_at is not None
    with scopes_disabled():
        assert ended.history.filter(is_active=False).exists()
        assert ended.history.filter(is_active=True).exists()
    # Signed out at once: their session is gone, and the page sends them to sign in.
    with scopes_disabled():
        assert not [
            s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(staff.user.pk)
        ]
    assert staff_client.get(detail_url(provider))["Location"].startswith(reverse("login"))

    page = client.get(detail_url(provider)).content.decode()
    assert remove_url(staff) not in page
    assert "Access removed" in page and admin.user.first_name in page


def test_removed_access_is_not_removed_twice_and_can_be_given_again(world):
    admin, staff, provider = (
        world.personas["a.trust_admin"],
        world.personas["a.provider_staff"],
        world.providers["a"],
    )
    with scope(trust=world.trust_a.pk):
        services.provider_staff_remove(membership=staff, by=admin)
        with pytest.raises(DomainError, match="already been removed"):
            services.provider_staff_remove(membership=reload(staff), by=admin)
        again = services.provider_staff_add(provider=provider, user=staff.user, by=admin)
    assert again.pk == staff.pk
    restored = reload(staff)
    assert restored.is_active and restored.ended_at is None and restored.ended_by is None


def test_only_a_trust_admin_may_remove_access(world, client):
    staff = world.personas["a.provider_staff"]
    with scope(trust=world.trust_a.pk), pytest.raises(DomainError, match="Only a trust admin"):
        services.provider_staff_remove(membership=staff, by=world.personas["a.headteacher"])
    for key in ("a.headteacher", "a.school_dsl", "a.provider_staff"):
        sign_in(client, world.personas[key])
        assert client.get(remove_url(staff)).status_code == 403, key
        assert client.post(remove_url(staff)).status_code == 403, key
    assert reload(staff).is_active


def test_another_trust_gets_404(world, client):
    sign_in(client, world.personas["b.trust_admin"])
    staff = world.personas["a.provider_staff"]
    assert client.get(remove_url(staff)).status_code == 404
    assert client.post(remove_url(staff)).status_code == 404
    assert reload(staff).is_active


def test_another_school_is_refused(world, client):
    # Provider staff belong to no school; the school-bound roles of another school hold no right here.
    staff = world.personas["a.provider_staff"]
    for key in ("a2.headteacher", "a2.ap_lead"):
        sign_in(client, world.personas[key])
        assert client.get(remove_url(staff)).status_code in (403, 404), key
        assert client.post(remove_url(staff)).status_code in (403, 404), key
    assert reload(staff).is_active


def test_only_provider_staff_memberships_are_removed_here(world, client):
    sign_in(client, world.personas["a.trust_admin"])
    assert client.get(remove_url(world.personas["a.headteacher"])).status_code == 404
