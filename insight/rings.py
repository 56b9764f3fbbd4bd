"""Complaint rings (代理维权识别, issue 18 point 6): complaints tied together by the
same agent, the same address or the same wording, across branches.

A ring is a group of at least INSIGHT_RING_MIN_SIZE complaints in which every
complaint is tied to another by one strong link or two weak ones:
- strong: the same agent's phone (代理人电话);
- weak: the same agent's name (also when written in pinyin: 张伟 = Zhang Wei), the same
  address, near-duplicate wording of request and facts (MinHash on character 3-grams).
One weak link alone is too common to mean anything (a common name, a large
building, a standard phrase such as 要求全额退保); two together are what an agency
that files for many consumers leaves behind.

Pure: rows in, groups out; `insight.ring_store` reads the complaints and stores them.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy

PHONE = "agent_phone"
NAME = "agent_name"
ADDRESS = "address"
WORDING = "wording"
WEAK = (NAME, ADDRESS, WORDING)

SHINGLE = 3
PERMUTATIONS = 32
BANDS = 8  # 8 bands of 4 rows: pairs at Jaccard 0.8 meet in a band 98.5 % of the time
SIMILAR = 0.8  # share of equal MinHash rows that counts as the same wording
MIN_TEXT = 40  # characters: shorter texts are too generic to compare
MIN_ADDRESS = 6
_PRIME = (1 << 61) - 1
_rng = numpy.random.default_rng(20261203)  # fixed: the same text, the same signature
_A = _rng.integers(1, _PRIME, size=PERMUTATIONS, dtype=numpy.uint64)
_B = _rng.integers(0, _PRIME, size=PERMUTATIONS, dtype=numpy.uint64)


@dataclass(frozen=True)
class Row:
    id: int
    agent_phone: str = ""
    agent_name: str = ""
    address: str = ""
    text: str = ""


@dataclass
class Ring:
    members: list[int]
    links: dict[int, set[str]] = field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        found = set().union(*self.links.values()) if self.links else set()
        return [k for k in (PHONE, NAME, ADDRESS, WORDING) if k in found]


# --- Keys -----------------------------------------------------------------------
def phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 7 else ""


def name_key(value: str) -> str:
    """张伟, 'Zhang Wei', 'zhangwei' and 'ZHANG wei' all give 'zhangwei'."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        return ""
    # Imported here: its phrase dictionary is 55 MB and half a second that
    # every process importing the admin would pay (issue 19, start-up memory).
    from pypinyin import lazy_pinyin

    letters = "".join(lazy_pinyin(value)).lower()
    return re.sub(r"[^a-z]", "", letters)


def address_key(value: str) -> str:
    value = unicodedata.normalize("NFKC", value or "")
    value = re.sub(r"[\s\W_]+", "", value).lower()
    return value if len(value) >= MIN_ADDRESS else ""


def _clean_text(value: str) -> str:
    # Digits go (amounts, dates, phone numbers differ between copies of one template).
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"[\s\W\d_]+", "", value).lower()


def signature(text: str) -> numpy.ndarray | None:
    """MinHash of a text's character 3-grams, or None when it is too short."""
    clean = _clean_text(text)
    if len(clean) < MIN_TEXT:
        return None
    shingles = {clean[i : i + SHINGLE] for i in range(len(clean) - SHINGLE + 1)}
    hashes = numpy.fromiter(
        (zlib.crc32(s.encode()) for s in shingles),
        dtype=numpy.uint64,
        count=len(shingles),
    )
    # (a*h + b) mod p per permutation; products stay below 2**64 because h < 2**32
    # and a is reduced modulo 2**32 first.
    a = (_A % (1 << 32))[:, None]
    mixed = (a * hashes[None, :] + _B[:, None]) % numpy.uint64(_PRIME)
    return mixed.min(axis=1)


# --- Grouping -------------------------------------------------------------------
class _Union:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def wording_groups(rows: Sequence[Row]) -> dict[int, int]:
    """Row id -> the id of its near-duplicate wording group (only rows in a group
    of two or more)."""
    by_signature: dict[bytes, list[int]] = defaultdict(list)
    signatures: dict[bytes, numpy.ndarray] = {}
    for row in rows:
        sig = signature(row.text)
        if sig is None:
            continue
        key = sig.tobytes()
        by_signature[key].append(row.id)
        signatures[key] = sig
    union = _Union()
    for ids in by_signature.values():  # the same text (digits aside)
        for other in ids[1:]:
            union.join(ids[0], other)
    keys = list(signatures)
    rows_per_band = PERMUTATIONS // BANDS
    for band in range(BANDS):
        buckets: dict[bytes, list[bytes]] = defaultdict(list)
        for key in keys:
            part = signatures[key][band * rows_per_band : (band + 1) * rows_per_band]
            buckets[part.tobytes()].append(key)
        for bucket in buckets.values():
            if len(bucket) < 2:
                continue
            first = signatures[bucket[0]]
            for key in bucket[1:]:
                # Compared with the bucket's first text only: a chain of near copies
                # still ends in one group, and a huge bucket stays linear.
                if numpy.mean(signatures[key] == first) >= SIMILAR:
                    union.join(by_signature[bucket[0]][0], by_signature[key][0])
    groups: dict[int, list[int]] = defaultdict(list)
    for ids in by_signature.values():
        for row_id in ids:
            groups[union.find(row_id)].append(row_id)
    return {rid: root for root, ids in groups.items() if len(ids) > 1 for rid in ids}


def find_rings(rows: Iterable[Row], *, min_size: int = 3) -> list[Ring]:
    rows = list(rows)
    keys: dict[str, dict[int, str]] = {PHONE: {}, NAME: {}, ADDRESS: {}, WORDING: {}}
    for row in rows:
        for kind, value in (
            (PHONE, phone_key(row.agent_phone)),
            (NAME, name_key(row.agent_name)),
            (ADDRESS, address_key(row.address)),
        ):
            if value:
                keys[kind][row.id] = value
    keys[WORDING] = {rid: str(g) for rid, g in wording_groups(rows).items()}

    union = _Union()
    links: dict[int, set[str]] = defaultdict(set)

    def join_groups(
        kinds: tuple[str, ...], groups: dict[tuple[str, ...], list[int]]
    ) -> None:
        for ids in groups.values():
            if len(ids) < 2:
                continue
            for rid in ids:
                links[rid].update(kinds)
                union.join(ids[0], rid)

    phone_groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for rid, value in keys[PHONE].items():
        phone_groups[(value,)].append(rid)
    join_groups((PHONE,), phone_groups)
    for i, first in enumerate(WEAK):
        for second in WEAK[i + 1 :]:
            pair_groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
            for rid, value in keys[first].items():
                other = keys[second].get(rid)
                if other:
                    pair_groups[(value, other)].append(rid)
            join_groups((first, second), pair_groups)

    members: dict[int, list[int]] = defaultdict(list)
    for rid in links:
        members[union.find(rid)].append(rid)
    rings = [
        Ring(members=sorted(ids), links={rid: links[rid] for rid in ids})
        for ids in members.values()
        if len(ids) >= min_size
    ]
    rings.sort(key=lambda r: (-len(r.members), r.members[0]))
    return rings
