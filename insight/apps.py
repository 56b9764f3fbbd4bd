from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def forget_models(**_: Any) -> None:
    """A trained model saved or deleted: the estimators insight.store keeps
    are loaded afresh (imported here, not at start: it loads scikit-learn)."""
    from insight import store

    store.forget_models()


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = _("Insight")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from insight.effectiveness import on_saved
        from insight.models import TrainedModel
        from reporting.models import Rectification

        # A rectification marked done is judged (insight.effectiveness).
        post_save.connect(
            on_saved, sender=Rectification, dispatch_uid="insight_rectification_done"
        )
        # The estimators kept per process follow the stored models.
        for signal in (post_save, post_delete):
            signal.connect(
                forget_models, sender=TrainedModel, dispatch_uid="insight_models_kept"
            )
