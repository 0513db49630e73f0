import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from providers import services
from providers.models import Evidence
from providers.uploads import MAX_EVIDENCE_BYTES, inspect_evidence_file
from tests.factories import MINIMAL_PDF
from trusts.errors import DomainError
from trusts.models import Notification

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def docx_bytes(with_document=True):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
        else:
            archive.writestr("notes.txt", "just a zip")
    return buffer.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("policy.pdf", MINIMAL_PDF, ".pdf"),
        ("scan.PNG", PNG, ".png"),
        ("photo.jpeg", JPEG, ".jpg"),
        ("policy.docx", docx_bytes(), ".docx"),
        # The name does not matter, the content does.
        ("policy.txt", MINIMAL_PDF, ".pdf"),
    ],
)
def test_accepted_types_by_content(name, data, expected):
    assert inspect_evidence_file(upload(name, data))[0] == expected


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("policy.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # a Windows program called .pdf
        ("policy.pdf", b"Just some text pretending to be a PDF"),
        ("policy.docx", docx_bytes(with_document=False)),  # a zip called .docx
        ("policy.pdf", b"GIF89a" + b"\x00" * 50),
        ("empty.pdf", b""),
    ],
)
def test_disguised_or_unsupported_files_are_refused(name, data):
    with pytest.raises(ValueError):
        inspect_evidence_file(upload(name, data))


def test_too_large_is_refused():
    data = MINIMAL_PDF + b"\x00" * (MAX_EVIDENCE_BYTES - len(MINIMAL_PDF) + 1)
    with pytest.raises(ValueError, match="largest file accepted is 10 MB"):
        inspect_evidence_file(upload("big.pdf", data))
    exactly = MINIMAL_PDF + b"\x00" * (MAX_EVIDENCE_BYTES - len(MINIMAL_PDF))
    assert inspect_evidence_file(upload("ok.pdf", exactly))[0] == ".pdf"


@pytest.mark.django_db
@pytest.mark.usefixtures("in_trust_a")
class TestEvidenceUpload:
    def test_admin_upload_is_verified_and_stored_privately(self, provider, admin, settings):
        evidence = services.evidence_upload(
            provider=provider,
            by=admin,
            evidence_type="public_liability_insurance",
            file=upload("../../etc/cert.pdf", MINIMAL_PDF),
            issue_date=date(2026, 1, 1),
            expiry_date=date(2027, 1, 1),
            insured_amount=Decimal("5000000"),
        )
        assert evidence.status == Evidence.Status.VERIFIED
        assert evidence.verified_by == admin.user
        assert evidence.original_name == "cert.pdf"
        assert evidence.file.name.startswith(f"evidence/{provider.trust_id}/")
        assert evidence.file.name.endswith(".pdf") and "cert" not in evidence.file.name
        assert evidence.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
        assert str(settings.STATIC_ROOT) not in evidence.file.path

    def test_staff_upload_waits_for_verification_and_tells_admins(self, provider, admin, staff):
        evidence = services.evidence_upload(
            provider=provider,
            by=staff,
            evidence_type="safeguarding_policy",
            file=upload("policy.pdf", MINIMAL_PDF),
            issue_date=date(2026, 1, 1),
            expiry_date=date(2027, 1, 1),
        )
        assert evidence.status == Evidence.Status.PENDING
        assert evidence.verified_by is None
        assert Notification.objects.filter(
            recipient=admin.user, key=f"evidence-uploaded:{evidence.pk}"
        ).exists()
        services.evidence_verify(evidence=evidence, by=admin)
        evidence.refresh_from_db()
        assert evidence.status == Evidence.Status.VERIFIED and evidence.verified_at is not None
        with pytest.raises(DomainError, match="Only a trust admin"):
            services.evidence_verify(evidence=evidence, by=staff)

    def test_staff_of_another_provider_cannot_upload(self, world, staff):
        with pytest.raises(DomainError):
            services.evidence_upload(
                provider=world.providers["a_other"],
                by=staff,
                evidence_type="safeguarding_policy",
                file=upload("policy.pdf", MINIMAL_PDF),
                issue_date=date(2026, 1, 1),
                expiry_date=date(2027, 1, 1),
            )

    def test_every_problem_is_reported_and_nothing_is_saved(self, provider, admin, settings):
        with pytest.raises(DomainError) as refused:
            services.evidence_upload(
                provider=provider,
                by=admin,
                evidence_type="employers_liability_insurance",
                file=upload("cert.pdf", b"MZ nope"),
                issue_date=date(2026, 1, 1),
                expiry_date=date(2025, 1, 1),
            )
        assert len(refused.value.problems) == 3
        assert not Evidence.objects.exists()
        root = settings.PRIVATE_MEDIA_ROOT
        assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))

    def test_reject_needs_a_reason(self, provider, admin):
        evidence = services.evidence_upload(
            provider=provider,
            by=admin,
            evidence_type="complaints_policy",
            file=upload("c.pdf", MINIMAL_PDF),
            issue_date=date(2026, 1, 1),
            expiry_date=date(2027, 1, 1),
        )
        with pytest.raises(DomainError):
            services.evidence_reject(evidence=evidence, by=admin, reason="")
        services.evidence_reject(evidence=evidence, by=admin, reason="Out of date copy")
        evidence.refresh_from_db()
        assert evidence.status == Evidence.Status.REJECTED
