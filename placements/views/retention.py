"""The retention reviews: what the job found past its period, for a trust admin to check and confirm."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from placements import retention
from placements.models import RetentionReview
from placements.views.common import show_error
from trusts.errors import DomainError
from trusts.permissions import permission_required


class ConfirmDeletionForm(forms.Form):
    password = forms.CharField(
        label="Your password, to confirm",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password. Nothing was deleted.")
        return password


@permission_required("retention.confirm")
def retention_reviews(request):
    reviews = list(RetentionReview.objects.select_related("confirmed_by").order_by("-created_at", "-id")[:50])
    return render(request, "placements/retention_reviews.html", {"reviews": reviews})


@permission_required("retention.confirm")
def retention_review(request, retention_review_pk):
    review = get_object_or_404(RetentionReview.objects.all(), pk=retention_review_pk)
    pending = review.status == RetentionReview.Status.PENDING
    form = ConfirmDeletionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            retention.retention_review_confirm(review=review, by=request.membership)
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(
                request,
                "Confirmed. The records still due are being deleted; this page shows the counts when it is done.",
            )
        return redirect("placements:retention_review", retention_review_pk=review.pk)
    pupils = list(retention.review_pupils(review)) if pending else []
    return render(
        request,
        "placements/retention_review.html",
        {"review": review, "pupils": pupils, "form": form if pending else None},
    )
