"""Kept apart from organisations.apps: Django picks an app's config from the
AppConfig classes its apps module holds, and the admin's is one of them."""

from django.contrib.admin.apps import AdminConfig


class ComplaintAdminConfig(AdminConfig):
    """django.contrib.admin with the project's site as `admin.site`."""

    default_site = "organisations.admin_site.ComplaintAdminSite"
