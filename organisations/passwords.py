"""Password rules beyond Django's own validators (AUTH_PASSWORD_VALIDATORS)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CHARACTER_CLASSES: tuple[tuple[str, Any], ...] = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", str.isdigit),
    ("symbol", lambda c: not c.isalnum()),
)
TOO_FEW_CLASSES = gettext_lazy(
    "This password must mix at least %(min_classes)d of these: lower-case "
    "letters, upper-case letters, digits and symbols."
)


class CharacterClassesValidator:
    """At least `min_classes` of lower case, upper case, digits and symbols.

    Counted over the whole password, so a long passphrase with a digit and a
    hyphen passes as easily as a short jumble.
    """

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if classes_in(password) < self.min_classes:
            raise ValidationError(
                TOO_FEW_CLASSES,
                code="password_too_few_character_classes",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must mix at least %(min_classes)d of these: lower-case "
            "letters, upper-case letters, digits and symbols."
        ) % {"min_classes": self.min_classes}


def classes_in(password: str) -> int:
    return sum(any(test(c) for c in password) for _name, test in CHARACTER_CLASSES)
