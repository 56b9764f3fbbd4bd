"""Model.validate_constraints without a query when Python can see it passes.

Django validates a CheckConstraint, and the condition of a conditional
UniqueConstraint, by sending a query that binds every column of the row
(`Q.check`): on the complaint that is some eighty bound values and a few
milliseconds per save, for conditions like `~Q(regulator_reference="")`.
Here such a condition is first evaluated on the instance in Python; when
that shows the constraint cannot be violated, no query is made. In every
other case (a violation, or a condition Python cannot decide) Django's own
validation runs unchanged, so the messages and codes are Django's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, router
from django.db.models.constants import LOOKUP_SEP

# Plain values whose `==` is the database's `=` (deterministic collations),
# compared only with a value of the same kind (no database casts guessed).
_KINDS = (bool, int, str)  # bool first: it is an int too


def validate_constraints(instance: models.Model, exclude: Any = None) -> None:
    """Model.validate_constraints (same loop and error dict), fast path first."""
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict[str, Any] = {}
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            if holds(constraint, instance):
                continue
            try:
                constraint.validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as e:
                fields: Any = getattr(constraint, "fields", ())
                if getattr(e, "code", None) == "unique" and len(fields) == 1:
                    errors.setdefault(fields[0], []).append(e)
                else:
                    errors = e.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def holds(constraint: Any, instance: models.Model) -> bool:
    """True when `instance` certainly satisfies `constraint` (no query needed)."""
    if isinstance(constraint, models.CheckConstraint):
        return evaluate(constraint.condition, instance) is True
    if isinstance(constraint, models.UniqueConstraint) and constraint.condition:
        # The row is outside the constraint's scope: no duplicate is possible.
        return evaluate(constraint.condition, instance) is False
    return False


def evaluate(q: Any, instance: models.Model) -> bool | None:
    """The value of `q` for the row `instance` would store, or None if unsure.

    Decides only `field=value`, `field__in=[...]` on the model's own columns
    holding non-null plain values, combined with &, | and ~.
    """
    if not isinstance(q, models.Q):
        return _lookup(q, instance)
    results = [evaluate(child, instance) for child in q.children]
    if q.connector == models.Q.AND:
        value = False if False in results else None if None in results else True
    else:
        value = True if True in results else None if None in results else False
    if value is None:
        return None
    return not value if q.negated else value


def _lookup(child: Any, instance: models.Model) -> bool | None:
    if not isinstance(child, tuple) or len(child) != 2:
        return None
    path, expected = child
    name, _sep, lookup = path.partition(LOOKUP_SEP)
    try:
        field = instance._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a relation path
        return None
    if not getattr(field, "concrete", False) or field.is_relation:
        return None
    actual = getattr(instance, field.attname)  # type: ignore[union-attr]
    kind = _kind(actual)
    if kind is None:
        return None
    if lookup in ("", "exact") and _kind(expected) is kind:
        return bool(actual == expected)
    if (
        lookup == "in"
        and isinstance(expected, list | tuple | set | frozenset)
        and all(_kind(v) is kind for v in expected)
    ):
        return actual in expected
    return None


def _kind(value: Any) -> type | None:
    return next((k for k in _KINDS if isinstance(value, k)), None)
