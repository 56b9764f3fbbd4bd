"""Placeholder: DRF's default error handler."""

from rest_framework.views import exception_handler as exception_handler  # noqa: F401
