from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from organisations import names
        from organisations.middleware import session_started

        names.install()

        user_logged_in.connect(session_started, dispatch_uid="session_started")
