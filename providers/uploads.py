"""Checks on uploaded evidence files: the type is decided by the content, never by the name."""

from __future__ import annotations

import zipfile

import filetype

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Detected type -> the extension and content type the stored file gets.
ALLOWED_TYPES = {
    "application/pdf": (".pdf", "application/pdf"),
    "image/png": (".png", "image/png"),
    "image/jpeg": (".jpg", "image/jpeg"),
    DOCX_MIME: (".docx", DOCX_MIME),
}
REFUSED_MESSAGE = (
    "Upload a PDF, a Word document (.docx), or a PNG or JPEG image. This file is not one of those."
)


class UploadRefused(ValueError):
    pass


def _is_docx(upload) -> bool:
    # A .docx is a zip with the main document part in it; a zip that merely claims to be one is refused.
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)
    return "word/document.xml" in names and "[Content_Types].xml" in names


def inspect_evidence_file(upload) -> tuple[str, str]:
    """(extension, content type) of an acceptable upload, or UploadRefused with a message for the person."""
    if upload is None:
        raise UploadRefused("Choose the file to upload.")
    if upload.size == 0:
        raise UploadRefused("The file is empty.")
    if upload.size > MAX_EVIDENCE_BYTES:
        raise UploadRefused(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; the largest file accepted is "
            f"{MAX_EVIDENCE_BYTES // 1024 // 1024} MB."
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in ("application/zip", DOCX_MIME):
        if _is_docx(upload):
            return ALLOWED_TYPES[DOCX_MIME]
        raise UploadRefused(REFUSED_MESSAGE)
    if mime not in ALLOWED_TYPES:
        raise UploadRefused(REFUSED_MESSAGE)
    return ALLOWED_TYPES[mime]
