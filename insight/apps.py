from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = _("Insight")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from insight.effectiveness import on_saved
        from reporting.models import Rectification

        # A rectification marked done is judged (insight.effectiveness).
        post_save.connect(
            on_saved, sender=Rectification, dispatch_uid="insight_rectification_done"
        )
