"""Writes and workflow transitions of the providers app, one module a sub-domain:

- ``register``: adding and changing providers, and the all-or-nothing import;
- ``staff``: provider staff access (given, removed);
- ``evidence``: documents, their checks and the trust's verdict;
- ``checklists``: the versioned vetting checklist and each provider's answers;
- ``approval``: what stops approval, and the workflow from draft to approved and back;
- ``expiry``: the daily job that warns before evidence runs out and lapses approvals.

Every change to a provider's vetting goes through one of them, so the rules (who may act, what must be in
place) are checked in one place. The names below are the app's service surface: callers use
``services.<name>``.
"""

from providers.services.approval import (
    approval_condition_meet,
    approval_problems,
    checklist_item_evidence_problem,
    checklist_problems,
    insurance_problems,
    missing_critical_evidence,
    provider_approve,
    provider_lapse,
    provider_reject,
    provider_submit,
    provider_suspend,
    providers_lapse,
)
from providers.services.checklists import (
    checklist_answers_save,
    checklist_template_adapt,
    checklist_template_current,
    provider_checklist_start,
)
from providers.services.common import money
from providers.services.evidence import (
    evidence_problems,
    evidence_reject,
    evidence_upload,
    evidence_verify,
)
from providers.services.expiry import evidence_expiry_run
from providers.services.register import (
    PROVIDER_EDITABLE_FIELDS,
    provider_create,
    provider_update,
    providers_import_commit,
)
from providers.services.staff import (
    is_provider_staff_of,
    provider_staff_add,
    provider_staff_remove,
    provider_staff_signing_set,
)

__all__ = [
    "PROVIDER_EDITABLE_FIELDS",
    "approval_condition_meet",
    "approval_problems",
    "checklist_answers_save",
    "checklist_item_evidence_problem",
    "checklist_problems",
    "checklist_template_adapt",
    "checklist_template_current",
    "evidence_expiry_run",
    "evidence_problems",
    "evidence_reject",
    "evidence_upload",
    "evidence_verify",
    "insurance_problems",
    "is_provider_staff_of",
    "missing_critical_evidence",
    "money",
    "provider_approve",
    "provider_checklist_start",
    "provider_create",
    "provider_lapse",
    "providers_lapse",
    "provider_reject",
    "provider_staff_add",
    "provider_staff_remove",
    "provider_staff_signing_set",
    "provider_submit",
    "provider_suspend",
    "provider_update",
    "providers_import_commit",
]
