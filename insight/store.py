"""Saving and loading trained models (insight.models.TrainedModel).

A model is scored only when one has been trained; otherwise NoModel says how to
train one, in the user's language.
"""

from __future__ import annotations

import pickle
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from insight.models import TrainedModel


class NoModel(Exception):
    """No model of this kind has been trained yet."""

    def __init__(self, kind: str, command: str) -> None:
        self.kind = kind
        self.command = command
        super().__init__(
            _(
                "No trained model of kind “%(kind)s” yet: an administrator trains one "
                "with “python manage.py %(command)s”."
            )
            % {"kind": kind, "command": command}
        )


def save_model(
    kind: str,
    estimator: Any,
    *,
    data_from: date | None,
    data_to: date | None,
    sample_count: int,
    quality: dict[str, Any],
) -> TrainedModel:
    """Store a fitted estimator as the next version of its kind."""
    # Imported here, not at the top: the admin imports this module, and
    # scikit-learn with SciPy would add 100 MB and 1.5 s to every process's
    # start-up (issue 19: the export's whole process within 150 MB).
    import numpy
    import scipy
    import sklearn

    with transaction.atomic():
        last = (
            TrainedModel.objects.select_for_update()
            .filter(kind=kind)
            .order_by("-version")
            .first()
        )
        return TrainedModel.objects.create(
            kind=kind,
            version=(last.version + 1) if last else 1,
            trained_at=timezone.now(),
            data_from=data_from,
            data_to=data_to,
            sample_count=sample_count,
            quality=quality,
            library_versions={
                "scikit-learn": sklearn.__version__,
                "numpy": numpy.__version__,
                "scipy": scipy.__version__,
            },
            artefact=pickle.dumps(estimator, protocol=pickle.HIGHEST_PROTOCOL),
        )


def _newest(kind: str) -> QuerySet[TrainedModel]:
    return TrainedModel.objects.filter(kind=kind).order_by("-version")


def latest(kind: str) -> TrainedModel | None:
    return _newest(kind).first()


# The estimator of the newest model of each kind, unpickled once per process:
# the case page asked for the coding model on every view and read and
# unpickled its artefact each time (issue 19). Keyed by row and version, so a
# model trained by another process is loaded on the next call; a model saved
# or deleted in this one empties it (`forget_models`).
_LOADED: dict[str, tuple[int, int, Any]] = {}


def load_model(kind: str, command: str) -> tuple[TrainedModel, Any]:
    """The newest trained model of a kind and its estimator, or NoModel."""
    record = _newest(kind).defer("artefact").first()
    if record is None:
        raise NoModel(kind, command)
    known = _LOADED.get(kind)
    if known is not None and known[:2] == (record.pk, record.version):
        return record, known[2]
    artefact = TrainedModel.objects.filter(pk=record.pk).values_list(
        "artefact", flat=True
    )[0]
    # Our own artefact from our own database (save_model), never user input.
    estimator = pickle.loads(bytes(artefact))  # noqa: S301
    _LOADED[kind] = (record.pk, record.version, estimator)
    return record, estimator


def forget_models(**_: Any) -> None:
    """A model saved or deleted: load afresh (receiver of post_save/delete)."""
    _LOADED.clear()
