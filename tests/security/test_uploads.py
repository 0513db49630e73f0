"""Uploads that could act when opened are refused: active PDFs, polyglots, zip bombs, macro documents."""

import io
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from providers.uploads import (
    ACTIVE_PDF_MESSAGE,
    DOCX_BOMB_MESSAGE,
    DOCX_MACRO_MESSAGE,
    POLYGLOT_MESSAGE,
    UploadRefused,
    inspect_evidence_file,
)
from tests.factories import MINIMAL_PDF


def upload(data, name="evidence.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def pdf_with(catalog_extra: bytes, extra_objects: bytes = b"") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        + extra_objects
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def object_stream(content: bytes) -> bytes:
    packed = zlib.compress(content)
    return (
        b"9 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length "
        + str(len(packed)).encode()
        + b">>stream\n"
        + packed
        + b"\nendstream\nendobj\n"
    )


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("OpenAction script", pdf_with(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>")),
        (
            "OpenAction by reference",
            pdf_with(b"/OpenAction 4 0 R", b"4 0 obj<</S/Launch/F(calc.exe)>>endobj\n"),
        ),
        ("name hex-escaped", pdf_with(b"/OpenAction<</S/J#61vaScript/J#53(x)>>")),
        ("additional actions", pdf_with(b"/AA<</O<</S/JavaScript/JS(x)>>>>")),
        ("Launch", pdf_with(b"", b"4 0 obj<</Type/Action/S/Launch/F(cmd.exe)>>endobj\n")),
        ("embedded file", pdf_with(b"/Names<</EmbeddedFiles<</Names[(a.exe)5 0 R]>>>>")),
        (
            "JS inside an object stream",
            pdf_with(b"", object_stream(b"4 0 <</S/JavaScript/JS(app.alert(1))>>")),
        ),
        ("HTML polyglot", MINIMAL_PDF + b"<html><body><script>alert(document.domain)</script></body></html>"),
    ],
)
def test_active_or_polyglot_pdfs_are_refused(label, data):
    with pytest.raises(UploadRefused) as refused:
        inspect_evidence_file(upload(data))
    assert str(refused.value) in (ACTIVE_PDF_MESSAGE, POLYGLOT_MESSAGE), label


def test_plain_pdfs_are_accepted_including_an_open_at_page_destination():
    assert inspect_evidence_file(upload(MINIMAL_PDF))[0] == ".pdf"
    opens_at_page = pdf_with(b"/OpenAction[3 0 R/Fit]")
    assert inspect_evidence_file(upload(opens_at_page))[0] == ".pdf"
    assert inspect_evidence_file(upload(pdf_with(b"", object_stream(b"4 0 <</Type/Font>>"))))[0] == ".pdf"


def test_a_real_rendered_pdf_is_accepted():
    from weasyprint import HTML

    rendered = HTML(string="<h1>Safeguarding policy</h1><p>Reviewed annually.</p>").write_pdf()
    assert inspect_evidence_file(upload(rendered))[0] == ".pdf"


def test_images_with_html_appended_are_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    assert inspect_evidence_file(upload(png, "scan.png"))[0] == ".png"
    for tail in (b"<html><script>alert(1)</script>", b"anything at all after the end"):
        with pytest.raises(UploadRefused, match="web page or script"):
            inspect_evidence_file(upload(png + tail, "scan.png"))
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
    with pytest.raises(UploadRefused, match="web page or script"):
        inspect_evidence_file(upload(jpeg + b"<SCRIPT src=//evil.example/x.js></SCRIPT>", "photo.jpg"))
    print("proved: PNG and JPEG files with HTML appended are refused")


def docx(parts: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_docx_that_expands_enormously_is_refused():
    # 200 MB of zeros compress to about 200 KB: the ratio and the total both give it away.
    bomb = docx({"word/media/image1.png": b"\x00" * (200 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(UploadRefused) as refused:
        inspect_evidence_file(upload(bomb, "policy.docx"))
    assert str(refused.value) == DOCX_BOMB_MESSAGE
    # A high ratio alone (a 5 MB part squeezed to a few KB) is enough.
    squeezed = docx({"word/media/image1.png": b"\x00" * (5 * 1024 * 1024)})
    with pytest.raises(UploadRefused):
        inspect_evidence_file(upload(squeezed, "policy.docx"))
    print("proved: a .docx expanding to 200 MB from under 1 MB is refused without expanding it")


def test_an_ordinary_docx_is_accepted_and_macros_are_refused():
    ordinary = docx({"word/styles.xml": "<w:styles>" + "<w:style/>" * 2000 + "</w:styles>"})
    assert inspect_evidence_file(upload(ordinary, "policy.docx"))[0] == ".docx"
    with pytest.raises(UploadRefused) as refused:
        inspect_evidence_file(upload(docx({"word/vbaProject.bin": b"\x00" * 100}), "policy.docx"))
    assert str(refused.value) == DOCX_MACRO_MESSAGE


def test_a_docx_with_a_stored_html_part_is_refused():
    stored = docx(
        {"word/page.html": "<html><script>alert(1)</script></html>"}, compression=zipfile.ZIP_STORED
    )
    with pytest.raises(UploadRefused, match="web page or script"):
        inspect_evidence_file(upload(stored, "policy.docx"))
