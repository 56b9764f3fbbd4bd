"""The newest model's estimator is unpickled once per process (issue 19: the
case page read and unpickled the coding model's artefact on every view); a
newer version, stored here or by another process, is loaded on the next call."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insight import store
from insight.models import TrainedModel

pytestmark = pytest.mark.django_db
KIND = "coding"


def _save(estimator: Any) -> TrainedModel:
    return store.save_model(
        KIND, estimator, data_from=None, data_to=None, sample_count=1, quality={}
    )


def test_the_estimator_is_read_once_and_a_new_version_replaces_it() -> None:
    _save({"weights": [1, 2]})
    record, first = store.load_model(KIND, "train")
    assert first == {"weights": [1, 2]}
    with CaptureQueriesContext(connection) as again:
        record2, second = store.load_model(KIND, "train")
    assert second is first
    assert record2.version == record.version == 1
    assert len(again.captured_queries) == 1
    assert "artefact" not in again.captured_queries[0]["sql"]

    _save({"weights": [3]})
    assert store.load_model(KIND, "train")[1] == {"weights": [3]}


def test_a_version_stored_by_another_process_is_loaded() -> None:
    _save({"weights": [1]})
    store.load_model(KIND, "train")
    # Another process trains: no signal reaches this one.
    TrainedModel.objects.bulk_create(
        [
            TrainedModel(
                kind=KIND,
                version=2,
                trained_at=TrainedModel.objects.get().trained_at,
                sample_count=1,
                quality={},
                library_versions={},
                artefact=pickle.dumps({"weights": [2]}),
            )
        ]
    )
    record, estimator = store.load_model(KIND, "train")
    assert (record.version, estimator) == (2, {"weights": [2]})


def test_without_a_model_it_says_how_to_train() -> None:
    with pytest.raises(store.NoModel):
        store.load_model(KIND, "train")
