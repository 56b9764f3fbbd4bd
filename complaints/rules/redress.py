"""The routes of redress a letter tells the complainant of (Measures art. 19;
domain-notes R34, R41).

A decision names every route open against it: review (核查) by the named
upper-level institution within its window, mediation, arbitration and
litigation. A decision taken at head office has no upper level, so no review
(R41). A review decision is final inside the insurer: mediation, arbitration
and litigation remain. The lifecycle reads the same lists (a mediation the
review decision offers can still be recorded), so a letter never promises a
route the system then refuses.
"""

from __future__ import annotations

from typing import Any

REVIEW = "review"
MEDIATION = "mediation"
ARBITRATION = "arbitration"
LITIGATION = "litigation"

# Measures art. 20: the complainant applies for review within 30 days of
# receiving the decision (complaints.timing.deadlines.REVIEW_APPLICATION_DAYS).
DECISION_ROUTES = (REVIEW, MEDIATION, ARBITRATION, LITIGATION)
REVIEW_DECISION_ROUTES = (MEDIATION, ARBITRATION, LITIGATION)


def decision_routes(*, has_upper_level: bool) -> tuple[str, ...]:
    if has_upper_level:
        return DECISION_ROUTES
    return tuple(r for r in DECISION_ROUTES if r != REVIEW)


def review_decision_offers(route: str) -> bool:
    return route in REVIEW_DECISION_ROUTES


def route_lines(
    routes: tuple[str, ...], *, upper: Any = None, review_days: int = 0
) -> list[tuple[str, str]]:
    """(route, sentence) per route, in Chinese: letters to consumers are always
    written in Chinese. The last sentence ends the list with a full stop."""
    texts = {
        REVIEW: (
            f"核查：自收到本处理决定之日起{review_days}日内，"
            f"向本公司上级机构{getattr(upper, 'name', '')}申请核查"
        ),
        MEDIATION: "调解：向保险消费纠纷调解组织申请调解",
        ARBITRATION: "仲裁：依据保险合同约定或者双方达成的仲裁协议，向仲裁机构申请仲裁",
        LITIGATION: "诉讼：依法向人民法院提起诉讼",
    }
    lines = [(route, texts[route]) for route in routes]
    return [
        (route, text + ("。" if i == len(lines) - 1 else "；"))
        for i, (route, text) in enumerate(lines)
    ]
