"""The provider register: adding and changing providers, one at a time or from an import file."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from providers.models import Provider
from trusts.errors import DomainError, validation_problems
from trusts.models import Membership
from trusts.permissions import require

PROVIDER_EDITABLE_FIELDS = [
    f.name
    for f in Provider._meta.get_fields()
    if getattr(f, "editable", False)
    and f.concrete
    and f.name not in {"id", "trust", "status", "approved_until", "created_at", "updated_at"}
]


def provider_create(*, trust, by: Membership, data: dict) -> Provider:
    require(by, "provider.edit", "Only a trust admin can add a provider to the register.")
    provider = Provider(trust=trust, **{k: v for k, v in data.items() if k in PROVIDER_EDITABLE_FIELDS})
    try:
        provider.full_clean()
    except ValidationError as error:
        raise DomainError(
            "The provider could not be saved.", problems=validation_problems(error, name_fields=True)
        ) from None
    provider.save()
    return provider


def provider_update(*, provider: Provider, by: Membership, data: dict) -> Provider:
    require(by, "provider.edit", "Only a trust admin can change a provider's details.")
    for key, value in data.items():
        if key in PROVIDER_EDITABLE_FIELDS:
            setattr(provider, key, value)
    try:
        provider.full_clean()
    except ValidationError as error:
        raise DomainError(
            "The provider could not be saved.", problems=validation_problems(error, name_fields=True)
        ) from None
    provider.save()
    return provider


def providers_import_commit(*, trust, by: Membership, rows: list[dict]) -> list[Provider]:
    """Create every provider of an import, or none: the rows are checked again (the register may have
    changed since the preview) and any bad row refuses the whole file."""
    from providers.imports import validate_rows

    require(by, "provider.import", "Only a trust admin can import providers.")
    with transaction.atomic():
        checked = validate_rows(trust=trust, rows=rows)
        problems = [f"Line {r.line}: {'; '.join(r.errors)}" for r in checked if r.errors]
        if problems:
            raise DomainError(
                "Nothing was imported: fix these rows and upload the file again.", problems=problems
            )
        return [Provider.objects.create(trust=trust, **row.values) for row in checked]
