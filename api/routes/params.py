"""Query and path parameters that several routes share."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from litestar.params import FromPath, QueryParameter

from api.domain.kinds import MAX_COUNTER
from api.store.records import LIST_LIMIT_MAX

DeleteVersion = Annotated[int | None, QueryParameter(name="base_version", ge=0, le=MAX_COUNTER)]
Limit = Annotated[int, QueryParameter(name="limit", ge=1, le=LIST_LIMIT_MAX)]
StartDay = Annotated[date | None, QueryParameter(name="from", description="First day, inclusive")]
EndDay = Annotated[date | None, QueryParameter(name="to", description="Last day, inclusive")]
RecordId = FromPath[UUID]
