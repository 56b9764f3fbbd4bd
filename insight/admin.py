"""Admin pages of the insight features."""

from insight import (
    admin_rings,  # noqa: E402,F401  (complaint rings)
    admin_surge,  # noqa: F401  (surge alerts, verdicts, branches)
)
