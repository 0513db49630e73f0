"""Tenant isolation below the views: every tenant-owned model is scoped, and tasks run inside a scope."""

import pytest
from django.apps import apps
from django_scopes import ScopeError, scope

from tests.factories import MembershipFactory, NotificationFactory, SchoolFactory, TrustFactory
from trusts.models import Membership, School
from trusts.roles import Role
from trusts.tasking import TrustTask

# Models with a trust key that are not tenant-owned rows of their own.
NOT_SCOPED = {"trusts.Trust"}


def tenant_models():
    for model in apps.get_models():
        label = model._meta.label
        if label in NOT_SCOPED or model.__name__.startswith("Historical"):
            continue
        if any(f.name == "trust" for f in model._meta.get_fields()):
            yield model


def test_every_model_with_a_trust_key_has_a_scoped_default_manager():
    models = list(tenant_models())
    assert len(models) >= 8
    for model in models:
        manager = model._default_manager
        assert manager.__class__.__name__ == "Manager" and hasattr(manager, "with_scopes_disabled"), (
            f"{model._meta.label} must use trusts.models.scoped_manager()"
        )


def test_every_tenant_model_raises_without_a_scope(db):
    for model in tenant_models():
        with pytest.raises(ScopeError):
            list(model.objects.all())


def test_a_scope_shows_one_trust_only(db):
    a = SchoolFactory()
    b = SchoolFactory()
    with scope(trust=a.trust_id):
        assert list(School.objects.all()) == [a]
        assert not School.objects.filter(pk=b.pk).exists()


def test_school_bound_roles_see_their_school_only(db):
    membership = MembershipFactory(role=Role.AP_LEAD)
    other = SchoolFactory(trust=membership.trust)
    with scope(trust=membership.trust_id):
        assert list(School.objects.visible_to(membership)) == [membership.school]
        trust_admin = MembershipFactory(role=Role.TRUST_ADMIN, trust=membership.trust, school=None)
        assert set(School.objects.visible_to(trust_admin)) == {membership.school, other}


def test_membership_rules_are_enforced_by_the_database(db):
    from django.db import IntegrityError, transaction
    from django_scopes import scopes_disabled

    trust = TrustFactory()
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=MembershipFactory().user, trust=trust, role=Role.AP_LEAD, school=None)


def test_trust_task_runs_inside_the_trust_scope(db):
    n = NotificationFactory()
    NotificationFactory()  # another trust's

    from apcommission.celery import app

    @app.task(base=TrustTask, name="tests.probe_notifications")
    def probe(*, trust_id):
        from trusts.models import Notification

        return list(Notification.objects.values_list("pk", flat=True))

    assert probe(trust_id=n.trust_id) == [n.pk]
    with pytest.raises(TypeError, match="trust_id"):
        probe(trust_id=None)
