"""Domain errors with translatable messages that tests assert on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ComplaintError(ValidationError):
    """A rule of the complaint process refused the action."""


class TransitionRefused(ComplaintError):
    """The action does not apply to the complaint's current status."""


class StaleComplaint(ComplaintError):
    """Someone else changed the complaint since the user loaded it."""


NOT_ALLOWED_NOW = _("“%(action)s” is not possible while the complaint is “%(status)s”.")
STALE = _(
    "Someone else changed this complaint while you were working on it. "
    "Reload the page to see their change, then try again."
)
AUTHORITY_MISSING = _(
    "Before acceptance, record that the original power of attorney, guardianship or "
    "inheritance proof was seen (Measures art. 14)."
)
AGENT_NAME_REQUIRED = _("Name the agent, guardian or heir who lodged the complaint.")
REGULATOR_REFERENCE_REQUIRED = _(
    "A complaint transferred by the regulator needs the regulator's reference."
)
TOO_MANY_REPRESENTATIVES = _(
    "A joint complaint in person chooses at most %(max)d representatives "
    "(Measures art. 12)."
)
ORGANISATION_FIELDS = _(
    "An organisation complainant needs its unified social credit code and its legal "
    "representative or principal (Measures art. 13)."
)
REASON_REQUIRED = _("Give the reason.")
OUTCOME_REQUIRED = _("Choose the outcome and write the decision with its reasons.")
CAUSE_REQUIRED = _("Record the cause of the complaint before the decision.")
FOUR_EYES = _("The approver of a decision cannot be the person who drafted it.")
HANDLER_NOT_ELIGIBLE = _("%(user)s cannot handle complaints of %(institution)s.")
HANDLER_RECUSED = _(
    "%(user)s has declared a conflict of interest in this complaint (回避) and cannot "
    "be given it: another handler of %(institution)s takes it."
)
HANDLER_IS_SUBJECT = _(
    "%(user)s is the staff member complained about and cannot be given this "
    "complaint (回避): another handler of %(institution)s takes it."
)
ONLY_HANDLER_DRAFTS = _("Only the assigned handler drafts the decision.")
NO_UPPER_LEVEL = _(
    "The decision was made at head office: there is no upper-level institution for "
    "review (核查); the complainant keeps mediation, arbitration and litigation."
)
REVIEW_LATE = _(
    "The application came more than %(days)d days after the decision was received; "
    "give the reason for accepting it late."
)
REVIEW_WINDOW_OPEN = _(
    "The complainant may apply for review (核查) until %(day)s. Close before then "
    "only if they accept the decision, and say so in the note."
)
REVIEWER_INVOLVED = _("A reviewer must not have handled, drafted or approved the case.")
REVIEWER_NOT_UPPER = _(
    "Review is done at the upper-level institution (%(institution)s); you hold no "
    "review role there."
)
EXTENSION_LEVEL = _("The next extension for this complaint is level %(level)d.")
EXTENSION_MAX = _(
    "No further extension is allowed (Measures art. 18: 60 days at most)."
)
EXTENSION_APPROVER = _("%(user)s may not approve a level %(level)d extension here.")
NOT_OPEN = _("The decision clock of this complaint is no longer running.")
ALREADY_PAUSED = _("The clock is already paused.")
NOT_PAUSED = _("The clock is not paused.")
PAUSE_DATES = _("The pause cannot end before it started.")
MERGE_TARGET = _("Merge into an open complaint of the same scope, not into itself.")
RECLASSIFY_TYPE = _("Choose what the item is instead: enquiry, suggestion or report.")
ALREADY_DECIDED_APPROVER = _(
    "Answering by the earlier decision needs a manager's approval (not your own)."
)
MEDIATION_REFUSAL = _(
    "Declining mediation needs a legitimate reason and a compliance officer's approval "
    "(2022 consumer-protection Measures art. 16)."
)
WITHDRAWAL_DATE = _("The withdrawal cannot be dated before the complaint was received.")
# The regulator's own receipt of a transfer (DOMAIN.md §7; issue 17).
REGULATOR_RECEIPT_WITHOUT_REFERENCE = _(
    "The regulator's receipt date belongs to a transfer: give the regulator's "
    "reference too."
)
REGULATOR_RECEIPT_IN_FUTURE = _(
    "The regulator's receipt date cannot be a day that has not come yet."
)
REGULATOR_RECEIPT_AFTER_OURS = _(
    "The regulator received the complaint before it reached the insurer: its "
    "receipt date cannot be after %(received)s."
)
