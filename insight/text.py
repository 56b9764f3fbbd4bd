"""Complaint text as the insight models read it.

Chinese has no spaces between words and no segmenter is shipped, so models read
character n-grams (1 to 3 characters), which need none. Before any text is
learned from or compared, the personal data in it is removed (PIPL art. 6:
no more than the purpose needs): phone numbers, identity document numbers,
e-mail addresses, bank card numbers and the names of the people in the case.
A model therefore never holds a complainant's identifiers in its vocabulary.

`scrub` and `case_text` are shared by every insight feature (coding checks,
similar cases, escalation warnings).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

NGRAM_RANGE = (1, 3)
# Placeholders keep the fact that a number was there (it may matter: "gave my
# phone"), not the number.
PHONE, ID, EMAIL = "〈电话〉", "〈证件〉", "〈邮箱〉"
CARD, NAME = "〈卡号〉", "〈姓名〉"
# The resident identity card (GB 11643: 17 digits and a check character),
# passports and permits (a letter or two and 7-10 digits) and long digit runs
# (bank cards, 15-19 digits) go before phones, so a phone is never cut out of
# an ID number.
_PATTERNS = [
    (re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), ID),
    (re.compile(r"(?<!\d)\d{15,19}(?!\d)"), CARD),
    (re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d{7,10}(?!\d)"), ID),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), EMAIL),
    # Mobile numbers with an optional country prefix and separators, and
    # landlines with an area code.
    (re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)"), PHONE),
    (re.compile(r"(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)"), PHONE),
]
_SPACE = re.compile(r"\s+")
NAME_FIELDS = ("complainant_name", "agent_name", "legal_representative")
TEXT_FIELDS = ("request", "facts")
INPUT_FIELDS = NAME_FIELDS + TEXT_FIELDS


def scrub(text: str, names: Iterable[str] = ()) -> str:
    """`text` without personal identifiers and without the given names.

    A name is removed whole and, for Chinese names of two to four characters,
    also as its given name alone (林小雨 and 小雨), as people write both.
    """
    out = text or ""
    for pattern, placeholder in _PATTERNS:
        out = pattern.sub(placeholder, out)
    for name in sorted(_name_forms(names), key=len, reverse=True):
        out = out.replace(name, NAME)
    return out


def _name_forms(names: Iterable[str]) -> set[str]:
    forms: set[str] = set()
    for raw in names:
        name = "".join((raw or "").split())
        if len(name) < 2:
            continue  # one character is a word, not a name
        forms.add(name)
        if 3 <= len(name) <= 4 and _is_han(name):
            forms.add(name[1:])
    return forms


def _is_han(value: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in value)


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, one space between runs."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def case_text(values: dict[str, Any]) -> str:
    """The learnable text of one complaint (a dict or model's field values):
    request and facts, scrubbed of the names in it, normalised."""
    names = [str(values.get(f) or "") for f in NAME_FIELDS]
    joined = "\n".join(str(values.get(f) or "") for f in TEXT_FIELDS)
    return normalise(scrub(joined, names))


def complaint_text(complaint: Any) -> str:
    return case_text({f: getattr(complaint, f, "") for f in NAME_FIELDS + TEXT_FIELDS})


def vectoriser(**overrides: Any) -> Any:
    """TF-IDF over character n-grams: the shared reading of complaint text."""
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer

    options: dict[str, Any] = {
        "analyzer": "char",
        "ngram_range": NGRAM_RANGE,
        "min_df": 2,
        "max_features": 200_000,
        "sublinear_tf": True,
        "lowercase": False,  # normalise() did it
        "dtype": numpy.float32,
    }
    options.update(overrides)
    return TfidfVectorizer(**options)
