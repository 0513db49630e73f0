"""Retention: what is due for deletion, the review a trust admin confirms, and the deletion itself.

The periods are the trust's policy (``TrustPolicy.pupil_retention_birthday``, ``safeguarding_retention_birthday``,
``access_log_retention_months``). A daily job works out what is due and records it as a pending review, telling
the trust admins; nothing is deleted until one of them confirms. The deletion then re-checks every record (a
review can be days old), removes a pupil with everything that hangs off them, their history rows and their
files (after the commit), and the access-log rows past their period, in chunks, each in its own transaction.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.urls import reverse
from django.utils import timezone

from placements.models import Attachment, Placement, Pupil, RetentionReview
from placements.safeguarding.models import SafeguardingConcern
from trusts.errors import DomainError
from trusts.models import AccessLog, Membership
from trusts.permissions import require
from trusts.recipients import alert
from trusts.selectors import trust_policy

# A placement in any of these states still has a school and a provider working with the pupil: keep them.
LIVE_PLACEMENT = (Placement.Status.PROPOSED, Placement.Status.AGREED, Placement.Status.ACTIVE)
PUPILS_PER_CHUNK = 25
ACCESS_LOG_ROWS_PER_CHUNK = 5000


def birthday(date_of_birth: date, age: int) -> date:
    """The day someone born on ``date_of_birth`` turns ``age``. Born on 29 February: 1 March in a common
    year (English law's reading, and the later of the two candidate days, so nothing goes a day early)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date(date_of_birth.year + age, 3, 1)


def born_on_or_before(on: date, age: int) -> date:
    """The latest date of birth of someone who has turned ``age`` by ``on`` (the inverse of ``birthday``)."""
    # Someone born on 29 February is after the 28th, so on 28 February of a common year they have not turned.
    try:
        return on.replace(year=on.year - age)
    except (
        ValueError
    ):  # ``on`` is 29 February and that year had none: born on the 28th, they turned yesterday.
        return date(on.year - age, 2, 28)


def _due_pupils(*, on: date, policy):
    """Pupils whose records are past their period: their birthday for pupil records has passed, no placement
    is still live, and no safeguarding record is inside its own period (or still open)."""
    safeguarding_done = born_on_or_before(on, policy.safeguarding_retention_birthday)
    live = Placement.objects.filter(pupil=OuterRef("pk"), status__in=LIVE_PLACEMENT)
    concerns = SafeguardingConcern.objects.filter(pupil=OuterRef("pk"))
    open_concern = concerns.exclude(status=SafeguardingConcern.Status.CLOSED)
    return (
        Pupil.objects.filter(date_of_birth__lte=born_on_or_before(on, policy.pupil_retention_birthday))
        .exclude(Exists(live))
        .exclude(Exists(open_concern))
        .exclude(Q(Exists(concerns)) & Q(date_of_birth__gt=safeguarding_done))
    )


def _access_log_cutoff(*, now: datetime, policy) -> datetime:
    """Access-log rows from before the start of this day ``access_log_retention_months`` ago are due."""
    day = timezone.localdate(now) - relativedelta(months=policy.access_log_retention_months)
    return timezone.make_aware(datetime.combine(day, time.min))


def _counts(pupil_ids: list[int], access_log_before: datetime) -> dict:
    return {
        "pupils": len(pupil_ids),
        "placements": Placement.objects.filter(pupil_id__in=pupil_ids).count(),
        "safeguarding_concerns": SafeguardingConcern.objects.filter(pupil_id__in=pupil_ids).count(),
        "files": Attachment.objects.filter(placement__pupil_id__in=pupil_ids).exclude(file="").count()
        + SafeguardingConcern.objects.filter(pupil_id__in=pupil_ids).exclude(attachment="").count(),
        "access_log_rows": AccessLog.objects.filter(at__lt=access_log_before).count(),
    }


def retention_review_prepare(*, trust, now: datetime | None = None) -> RetentionReview | None:
    """Work out what is due and record it as the trust's pending review (one at most: a re-run refreshes it
    and tells nobody again). Nothing due: no review, and a pending one with nothing left is withdrawn."""
    now = now or timezone.now()
    policy = trust_policy(trust.pk)
    pupil_ids = sorted(_due_pupils(on=timezone.localdate(now), policy=policy).values_list("pk", flat=True))
    cutoff = _access_log_cutoff(now=now, policy=policy)
    counts = _counts(pupil_ids, cutoff)
    fields = {"due": {"pupils": pupil_ids}, "access_log_before": cutoff, "counts": counts, "checked_at": now}
    nothing_due = not pupil_ids and not counts["access_log_rows"]
    pending = RetentionReview.objects.filter(status=RetentionReview.Status.PENDING)
    if nothing_due:
        pending.delete()
        return None
    if pending.update(**fields):
        return pending.first()
    try:
        with transaction.atomic():
            review = RetentionReview.objects.create(trust=trust, **fields)
    except IntegrityError:  # another run made it a moment ago
        return pending.first()
    alert(
        kind="retention.review_due",
        trust=trust,
        key=f"retention_review:{review.pk}",
        subject="Records are due for deletion: please check and confirm",
        body=(
            f"{counts['pupils']} pupil record(s) and {counts['access_log_rows']} access-log row(s) are past the "
            "trust's retention period. Nothing is deleted until a trust admin checks the list and confirms."
        ),
        url=reverse("placements:retention_review", kwargs={"retention_review_pk": review.pk}),
    )
    return review


def review_pupils(review: RetentionReview):
    """The pupils a review lists (those still on record), for the admin to check: UPN, initials, birth date."""
    return (
        Pupil.objects.filter(pk__in=review.due.get("pupils", []))
        .select_related("school")
        .order_by("date_of_birth", "pk")
    )


def retention_review_confirm(*, review: RetentionReview, by: Membership) -> RetentionReview:
    """Confirm a pending review (the caller has checked the person's password): the deletion starts after
    the commit. Confirming twice, or a review no longer pending, is refused."""
    require(by, "retention.confirm", "Only a trust admin can confirm a deletion.")
    now = timezone.now()
    claimed = RetentionReview.objects.filter(pk=review.pk, status=RetentionReview.Status.PENDING).update(
        status=RetentionReview.Status.CONFIRMED,
        confirmed_by=by.user,
        confirmed_by_name=by.user.get_full_name() or by.user.username,
        confirmed_at=now,
    )
    if not claimed:
        raise DomainError("This review has already been confirmed.")
    from placements.tasks import carry_out_retention_review

    carry_out_retention_review.delay(review_id=review.pk, trust_id=review.trust_id)
    review.refresh_from_db()
    return review


# --- The deletion -------------------------------------------------------------------------------------------


def _history_model(model):
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute).model if attribute else None


def _delete_collected(objects, gone: dict) -> None:
    """Delete ``objects`` and everything that cascades from them, noting each record's id in ``gone``."""
    if not objects:
        return
    collector = Collector(using="default")
    collector.collect(objects)
    for model, instances in collector.data.items():
        gone.setdefault(model, set()).update(obj.pk for obj in instances)
    for queryset in collector.fast_deletes:
        gone.setdefault(queryset.model, set()).update(queryset.values_list("pk", flat=True))
    collector.delete()


def _purge_history(gone: dict) -> None:
    """Delete every history row of the records in ``gone`` (simple-history writes one more on delete), and of
    their children deleted long ago: history rows keep foreign keys as plain ids, so follow them until none
    points at a deleted record."""
    histories = {model: history for model in apps.get_models() if (history := _history_model(model))}
    changed = True
    while changed:
        changed = False
        for model, history in histories.items():
            condition = Q(id__in=gone.get(model, ()))
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model in gone:
                    condition |= Q(**{f"{field.attname}__in": gone[field.related_model]})
            rows = history._default_manager.filter(condition)
            orphaned = set(rows.values_list("id", flat=True)) - gone.get(model, set())
            if orphaned:
                gone.setdefault(model, set()).update(orphaned)
                changed = True
            rows.delete()


def _files_of(pupil) -> list[tuple]:
    files = [
        (SafeguardingConcern._meta.get_field("attachment").storage, name)
        for name in SafeguardingConcern.objects.filter(pupil=pupil)
        .exclude(attachment="")
        .values_list("attachment", flat=True)
    ]
    files += [
        (Attachment._meta.get_field("file").storage, name)
        for name in Attachment.objects.filter(placement__pupil=pupil)
        .exclude(file="")
        .values_list("file", flat=True)
    ]
    return files


def _remove_files(files):
    for storage, name in files:
        storage.delete(name)


def _delete_pupil(pupil, gone: dict) -> int:
    """One pupil with their concerns, placements and everything under them; files go after the commit.
    Returns how many files."""
    files = _files_of(pupil)
    _delete_collected(list(SafeguardingConcern.objects.filter(pupil=pupil)), gone)
    _delete_collected(list(Placement.objects.filter(pupil=pupil)), gone)
    _delete_collected([pupil], gone)
    transaction.on_commit(lambda: _remove_files(files))
    return len(files)


_REPORTED = {
    "placements.Pupil": "pupils",
    "placements.Placement": "placements",
    "placements.SafeguardingConcern": "safeguarding_concerns",
    "files": "files",
    "pupils_kept": "pupils_kept",
}


def _add(review: RetentionReview, counts: Counter) -> None:
    deleted = Counter(review.deleted)
    deleted.update({_REPORTED.get(key, "other_records"): n for key, n in counts.items()})
    review.deleted = dict(deleted)


def retention_review_carry_out(*, review_id: int, now: datetime | None = None) -> RetentionReview | None:
    """Delete what a confirmed review lists and is still due, a chunk at a time. Each chunk locks the review
    first, so two runs at once take turns, and a record already gone is simply not found again."""
    now = now or timezone.now()
    review = RetentionReview.objects.filter(pk=review_id).first()
    if review is None or review.status != RetentionReview.Status.CONFIRMED:
        return review
    policy = trust_policy(review.trust_id)
    pupil_ids = list(review.due.get("pupils", []))
    for start in range(0, len(pupil_ids), PUPILS_PER_CHUNK):
        chunk = pupil_ids[start : start + PUPILS_PER_CHUNK]
        with transaction.atomic():
            review = RetentionReview.objects.select_for_update().get(pk=review_id)
            if review.status != RetentionReview.Status.CONFIRMED:
                return review
            still_due = list(_due_pupils(on=timezone.localdate(now), policy=policy).filter(pk__in=chunk))
            present = set(Pupil.objects.filter(pk__in=chunk).values_list("pk", flat=True))
            counts = Counter({"pupils_kept": len(present) - len(still_due)})
            gone: dict = {}
            for pupil in still_due:
                mine: dict = {}
                try:
                    with transaction.atomic():
                        counts["files"] += _delete_pupil(pupil, mine)
                except (
                    ProtectedError,
                    RestrictedError,
                ):  # held by a record kept for its own period (an invoice)
                    counts["pupils_kept"] += 1
                    continue
                for model, pks in mine.items():
                    gone.setdefault(model, set()).update(pks)
            counts.update({model._meta.label: len(pks) for model, pks in gone.items()})
            _purge_history(gone)
            _add(review, counts)
            review.save(update_fields=["deleted"])
    # Only rows due both when the review was made and now: a policy lengthened since keeps more.
    cutoff = min(review.access_log_before or now, _access_log_cutoff(now=now, policy=policy))
    while True:
        with transaction.atomic():
            review = RetentionReview.objects.select_for_update().get(pk=review_id)
            if review.status != RetentionReview.Status.CONFIRMED:
                return review
            ids = list(
                AccessLog.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[
                    :ACCESS_LOG_ROWS_PER_CHUNK
                ]
            )
            if ids:
                removed, _ = AccessLog.objects.filter(pk__in=ids).delete()
                review.deleted["access_log_rows"] = review.deleted.get("access_log_rows", 0) + removed
                review.save(update_fields=["deleted"])
                continue
            review.status = RetentionReview.Status.DONE
            review.done_at = timezone.now()
            review.deleted.setdefault("access_log_rows", 0)
            review.save(update_fields=["status", "done_at", "deleted"])
            return review
