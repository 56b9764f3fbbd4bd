"""Train an insight model from the insurer's own closed cases and store it
(insight.models.TrainedModel) with its data range and held-out quality.

    python manage.py train_insight_models --kind coding [--since D] [--until D]

Run it on a schedule (e.g. monthly); each run stores a new version, and the
newest is the one used.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insight import classifier
from insight.models import TrainedModel

# kind -> trainer(since=, until=, limit=) returning the stored TrainedModel
TRAINERS: dict[str, Callable[..., TrainedModel]] = {
    classifier.KIND: classifier.coding_train,
}


class Command(BaseCommand):
    help = "Train an insight model from closed cases and store it with its quality."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=sorted(TRAINERS), required=True)
        parser.add_argument("--since", type=date.fromisoformat, default=None)
        parser.add_argument("--until", type=date.fromisoformat, default=None)
        parser.add_argument("--limit", type=int, default=classifier.TRAIN_LIMIT)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            record = TRAINERS[options["kind"]](
                since=options["since"], until=options["until"], limit=options["limit"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        self.stdout.write(summary(record, seconds))


def summary(record: TrainedModel, seconds: float) -> str:
    quality = record.quality or {}
    fields = quality.get("fields", {})
    parts = [
        f"{name}: accuracy {q['accuracy']:.3f}, macro F1 {q['macro_f1']:.3f}"
        for name, q in fields.items()
    ]
    return (
        f"{record.kind} v{record.version}: {record.sample_count} cases "
        f"({record.data_from} to {record.data_to}), "
        f"{quality.get('test_cases', 0)} held out; "
        + "; ".join(parts)
        + f"; trained in {seconds:.1f} s"
    )
