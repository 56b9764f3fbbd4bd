"""Admin pages of the insight features."""

from insight import admin_surge  # noqa: F401  (surge alerts, verdicts, branches)
