"""Care-team prompts on a record's answer: the rules are pure (``api.domain.trends.rules``); this
reads what they need. A PHQ-9's rise is measured against the PHQ-9 taken before it and against
the baseline PHQ-9 (when this one comes after the baseline date); a check-in's mood prompts
look at the 7-day mean ending on its day.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Final

from api.domain.accounts import User
from api.domain.kinds import ASSESSMENT, AssessmentOut, EntryOut
from api.domain.trends import rules
from api.domain.trends.shapes import ROLLING_WINDOW_DAYS
from api.routes.trends import checkin_prompts, load_trends
from api.state import AppState
from api.store import records

#: Mood prompts are worked out for a check-in this low (a check-in above it cannot be what
#: pulls a depressed baseline's 7-day mean down) from the last week; the trends always apply
#: every rule. Kept narrow so an ordinary check-in stays one write and no read; a low one
#: costs two small reads.
PROMPT_MOOD_AT_MOST: Final = 5


async def entry_prompts(app_state: AppState, user: User, out: EntryOut) -> None:
    """Set the mood prompts that fire on the 7-day mean ending on this check-in's day."""
    today = app_state.clock().astimezone(user.tz).date()
    recent = today - out.day < timedelta(days=ROLLING_WINDOW_DAYS)
    if out.mood > PROMPT_MOOD_AT_MOST or not recent:
        return
    out.prompts = await checkin_prompts(app_state, user, out.day)


async def assessment_prompts(app_state: AppState, user: User, out: AssessmentOut) -> None:
    if out.instrument == "gad7":
        out.prompts = rules.care_prompts(gad7=out.total, clinic_phone=user.clinic_phone)
        return
    day = out.taken_at.astimezone(user.tz).date()
    earlier = await records.between(
        app_state.db, ASSESSMENT, user, None, day, records.LIST_LIMIT_MAX
    )
    before = [
        each
        for each in earlier
        if each.instrument == "phq9" and each.id != out.id and each.taken_at < out.taken_at
    ]
    previous = max(before, key=lambda each: each.taken_at).total if before else None
    summary = (await load_trends(app_state, user, day, day)).summary
    # The baseline PHQ-9 is taken on or before the baseline date: only a later score is a change.
    after = summary.baseline_date is not None and day > summary.baseline_date
    baseline = summary.baseline_phq9 if after else None
    out.prompts = rules.care_prompts(
        phq9=(out.total, previous, baseline), clinic_phone=user.clinic_phone
    )


ANNOTATORS: dict[str, Callable[[AppState, User, Any], Awaitable[None]]] = {
    "entry": entry_prompts,
    "assessment": assessment_prompts,
}
