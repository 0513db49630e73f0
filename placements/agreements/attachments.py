"""Private attachments on a placement: the same checked upload as provider evidence (type decided by the
content, a generated stored name, kept under PRIVATE_MEDIA_ROOT), each either for the school only or shared
with the provider. Downloads go through a permission check (``Attachment.objects.visible_to``)."""

from __future__ import annotations

from django.db import transaction

from placements.common import require_school_side_of
from placements.models import Attachment
from providers.uploads import UploadRefused, inspect_evidence_file
from trusts.errors import DomainError


def attachment_upload(
    *, by, placement, kind: str, file, title: str = "", shared_with_provider=False
) -> Attachment:
    require_school_side_of(by, placement, "attachment.upload")
    problems = {}
    if kind not in Attachment.Kind.values:
        problems["kind"] = "Say what the document is."
    try:
        extension, content_type = inspect_evidence_file(file)
    except UploadRefused as refused:
        problems["file"] = str(refused)
    if problems:
        raise DomainError(
            "The document was not saved.", problems=list(problems.values()), field=next(iter(problems))
        )
    original = (getattr(file, "name", "") or "document").replace("\\", "/").rsplit("/", 1)[-1][:150]
    attachment = Attachment(
        trust_id=placement.trust_id,
        placement=placement,
        kind=kind,
        title=title.strip(),
        shared_with_provider=bool(shared_with_provider),
        original_name=original,
        content_type=content_type,
        size=file.size,
        uploaded_by=by.user,
    )
    with transaction.atomic():
        attachment.file.save(f"upload{extension}", file, save=False)
        attachment.save()
    return attachment
