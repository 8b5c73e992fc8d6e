"""Share links, as their owner manages them: create (the token is shown once), list, revoke.

What a link shows, and to whom, is ``api.domain.shares``; its holder's routes are
``api.routes.shared``.
"""

from __future__ import annotations

import secrets

import msgspec
from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.domain.accounts import User
from api.domain.errors import NotFound
from api.domain.shares import Share, ShareCreate, ShareCreated, share_of, timestamp, validate
from api.state import AppState
from api.store import shares as store
from api.store.sessions import secret_hash

ShareId = FromPath[str]


class ShareController(Controller):
    """The owner's links."""

    path = "/api/shares"
    tags = ("sharing",)

    @post("/", summary="Create a share link; the token and URL are shown only in this response")
    async def create_share(
        self,
        data: JSONBody[ShareCreate],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> ShareCreated:
        now = app_state.clock()
        row = validate(data, app_state.guides, now, now.astimezone(user.tz).date())._replace(
            user_id=user.id
        )
        token = secrets.token_urlsafe(32)
        await app_state.db.write(store.insert_share, row, secret_hash(token))
        share = share_of(row, now)
        return ShareCreated(
            **msgspec.structs.asdict(share),
            token=token,
            url=f"{app_state.settings.public_url}/shared#{token}",
        )

    @get("/", summary="My share links with status, opens and last opened (never the token)")
    async def list_shares(
        self,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> list[Share]:
        now = app_state.clock()
        return [share_of(row, now) for row in await app_state.db.read(store.shares_of, user.id)]

    @delete("/{share_id:str}", summary="Cancel a share link at once (it stays listed as revoked)")
    async def revoke_share(
        self,
        share_id: ShareId,
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> None:
        if not await app_state.db.write(
            store.revoke, user.id, share_id, timestamp(app_state.clock())
        ):
            raise NotFound("share link")
