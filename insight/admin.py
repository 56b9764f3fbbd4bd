"""Admin pages of the insight features."""

from insight import admin_rings  # noqa: E402,F401  (complaint rings)
