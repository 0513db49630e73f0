"""The shared CSV import pattern: the checked file waits in the session for its own trust and token, and a
commit creates every row or none."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from trusts.csv_import import PendingImport, commit_all_or_nothing, decode_upload
from trusts.errors import DomainError


def _request(session, trust_pk):
    return SimpleNamespace(session=session, trust=SimpleNamespace(pk=trust_pk))


def test_a_kept_file_is_given_back_only_for_its_trust_and_token():
    session = {}
    token = PendingImport(_request(session, 1), "rows").keep(["row"])
    assert PendingImport(_request(session, 1), "rows").take(token) == ["row"]
    assert PendingImport(_request(session, 1), "rows").take() == ["row"]
    assert PendingImport(_request(session, 1), "rows").take("another token") is None
    assert PendingImport(_request(session, 2), "rows").take(token) is None  # another trust
    PendingImport(_request(session, 1), "rows").drop()
    assert PendingImport(_request(session, 1), "rows").take(token) is None


def test_decoding_falls_back_only_when_asked():
    assert decode_upload("\ufeffUPN,Name".encode()) == "UPN,Name"
    assert decode_upload("Zoë".encode("cp1252"), fallback="cp1252") == "Zoë"
    with pytest.raises(UnicodeDecodeError):
        decode_upload("Zoë".encode("cp1252"))


@pytest.mark.django_db
def test_any_problem_refuses_the_whole_file_naming_each():
    with pytest.raises(DomainError) as error:
        commit_all_or_nothing(
            check=lambda: (["a"], ["Line 2: no name.", "Line 3: no date."]),
            create=lambda row: Group.objects.create(name=row),
        )
    assert error.value.problems == ["Line 2: no name.", "Line 3: no date."]
    assert "2 problems" in error.value.message
    assert not Group.objects.exists()


@pytest.mark.django_db
def test_a_clash_while_creating_rolls_every_row_back():
    with pytest.raises(DomainError, match="nothing was imported"):
        commit_all_or_nothing(
            check=lambda: (["same", "same"], []), create=lambda row: Group.objects.create(name=row)
        )
    assert not Group.objects.exists()
    created = commit_all_or_nothing(
        check=lambda: (["one", "two"], []), create=lambda row: Group.objects.create(name=row)
    )
    assert [g.name for g in created] == ["one", "two"]
