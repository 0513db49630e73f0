"""Checks on uploaded evidence files: the type is decided by the content, never by the name, and a file that
could do something when opened (a PDF with scripts, actions or attached files; a Word file with macros; a
file that is also a web page; a zip that expands to gigabytes) is refused."""

from __future__ import annotations

import re
import zipfile
import zlib

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
ACTIVE_PDF_MESSAGE = (
    "This PDF contains scripts, automatic actions or attached files, which are not accepted. "
    "Open it and save or print it again as a plain PDF, then upload that."
)
POLYGLOT_MESSAGE = (
    "This file also contains web page or script content, which is not accepted. "
    "Save it again from the program that made it, then upload that."
)
DOCX_BOMB_MESSAGE = "This Word document expands to far more than a document would. It is not accepted."
DOCX_MACRO_MESSAGE = (
    "This Word document contains macros or active controls, which are not accepted. "
    "Save it as a plain .docx document, then upload that."
)

# A .docx of real evidence expands to a few megabytes; these limits leave plenty of room.
DOCX_MAX_EXPANDED_BYTES = 100 * 1024 * 1024
DOCX_MAX_RATIO = 100  # expanded : compressed, for any part larger than DOCX_RATIO_FLOOR
DOCX_RATIO_FLOOR = 1024 * 1024
DOCX_MAX_PARTS = 2000
# Decompressing a PDF's object streams to look inside them stops here (a compressed bomb is refused).
PDF_MAX_INFLATED_BYTES = 64 * 1024 * 1024

# Names that make a PDF act when opened or carry other files. /OpenAction followed by a destination array
# (open at page N) is harmless and common; any other /OpenAction is refused.
PDF_ACTIVE_NAMES = (
    b"JavaScript",
    b"JS",
    b"AA",
    b"Launch",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"RichMedia",
    b"SubmitForm",
    b"ImportData",
    b"GoToE",
    b"GoToR",
    b"XFA",
)
_DELIMITER = rb"(?=[\x00\t\n\x0c\r /<>\[\]()%{}]|$)"
_PDF_NAME = re.compile(rb"/[^\x00\t\n\x0c\r /<>\[\]()%{}]+")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_ACTIVE = re.compile(rb"/(?:" + b"|".join(PDF_ACTIVE_NAMES) + rb")" + _DELIMITER)
_PDF_OPEN_ACTION = re.compile(rb"/OpenAction" + _DELIMITER + rb"\s*(\[)?")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
# What makes a browser (or anything sniffing) treat bytes as a web page or run them as script.
POLYGLOT_MARKERS = (
    b"<script",
    b"<html",
    b"<!doctype html",
    b"<body",
    b"<iframe",
    b"<svg",
    b"<object",
    b"<embed",
    b"javascript:",
    b"<?php",
)
PNG_END = b"IEND"


class UploadRefused(ValueError):
    pass


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _docx_names(upload) -> set[str] | None:
    """The part names of a .docx after its size checks, or None when it is not a Word document at all."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    names = {info.filename for info in infos}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        return None
    if len(infos) > DOCX_MAX_PARTS or sum(info.file_size for info in infos) > DOCX_MAX_EXPANDED_BYTES:
        raise UploadRefused(DOCX_BOMB_MESSAGE)
    for info in infos:
        if info.file_size > DOCX_RATIO_FLOOR and info.file_size > DOCX_MAX_RATIO * max(info.compress_size, 1):
            raise UploadRefused(DOCX_BOMB_MESSAGE)
    return names


def _check_docx_parts(names: set[str]) -> None:
    lowered = {name.lower() for name in names}
    if any(name.endswith("vbaproject.bin") or "/activex/" in name for name in lowered):
        raise UploadRefused(DOCX_MACRO_MESSAGE)


def _normalise_pdf_names(data: bytes) -> bytes:
    """``/J#61vaScript`` is ``/JavaScript``: undo the hex escapes PDF allows in names before looking."""

    def unescape(match):
        return _PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(0))

    return _PDF_NAME.sub(unescape, data)


def _has_active_names(data: bytes) -> bool:
    data = _normalise_pdf_names(data)
    if _PDF_ACTIVE.search(data):
        return True
    return any(match.group(1) is None for match in _PDF_OPEN_ACTION.finditer(data))


def _object_streams(data: bytes):
    """The inflated content of each compressed object stream (/Type /ObjStm), where a PDF can keep its
    dictionaries out of sight of a plain byte search. A stream that cannot be inflated, or that inflates
    beyond PDF_MAX_INFLATED_BYTES in all, is refused: it cannot be checked."""
    budget = PDF_MAX_INFLATED_BYTES
    for match in _PDF_STREAM.finditer(data):
        head = data[max(0, match.start() - 2048) : match.start()]
        dictionary = _normalise_pdf_names(head[head.rfind(b"obj") + 3 :] if b"obj" in head else head)
        if b"/ObjStm" not in dictionary:
            continue
        if b"/FlateDecode" not in dictionary:
            raise UploadRefused(ACTIVE_PDF_MESSAGE)
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end() :], budget + 1)
        except zlib.error as error:
            raise UploadRefused(ACTIVE_PDF_MESSAGE) from error
        budget -= len(inflated)
        if budget < 0:
            raise UploadRefused(ACTIVE_PDF_MESSAGE)
        yield inflated


def _check_pdf(data: bytes) -> None:
    if _has_active_names(data) or any(_has_active_names(part) for part in _object_streams(data)):
        raise UploadRefused(ACTIVE_PDF_MESSAGE)


def _check_png(data: bytes) -> None:
    # Nothing may follow the end chunk (its 4-byte CRC is the last thing in a PNG).
    end = data.rfind(PNG_END)
    if end != -1 and len(data) > end + len(PNG_END) + 4:
        raise UploadRefused(POLYGLOT_MESSAGE)


def _check_polyglot(data: bytes) -> None:
    lowered = data.lower()
    if any(marker in lowered for marker in POLYGLOT_MARKERS):
        raise UploadRefused(POLYGLOT_MESSAGE)


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
    data = _read_all(upload)
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else None
    if mime in ("application/zip", DOCX_MIME):
        names = _docx_names(upload)
        if names is None:
            raise UploadRefused(REFUSED_MESSAGE)
        _check_docx_parts(names)
        _check_polyglot(data)
        return ALLOWED_TYPES[DOCX_MIME]
    if mime not in ALLOWED_TYPES:
        raise UploadRefused(REFUSED_MESSAGE)
    _check_polyglot(data)
    if mime == "application/pdf":
        _check_pdf(data)
    elif mime == "image/png":
        _check_png(data)
    return ALLOWED_TYPES[mime]
