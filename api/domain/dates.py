"""The dates Waypoint accepts: 1900-01-01 to 2100-12-31, everywhere.

A journal has no use for the year 1 or 9999, and the trend maths steps days back and forth from
the dates it is given; bounding every date at the edge (records, periods, the baseline date,
share links) means no stored value can ever make trends, the PDF or a link fail.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from api.domain.errors import InvalidField

EARLIEST: Final = date(1900, 1, 1)
LATEST: Final = date(2100, 12, 31)
RULE: Final = "must be between 1900-01-01 and 2100-12-31."


def check_day(field: str, value: date | datetime | None, source: str = "body") -> None:
    """Refuse a date (or the date of a date-time) outside the accepted range."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise InvalidField(field, RULE, source=source)
