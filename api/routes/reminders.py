"""Push reminders: the server's public key, this browser's subscription, the settings, a test.

What is due when is ``api.domain.reminders``; sending is ``api.push``.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.domain.accounts import User
from api.domain.errors import NotFound
from api.domain.reminders import (
    ReminderSettings,
    SubscriptionIn,
    SubscriptionOut,
    check_subscription,
    test_payload,
    validate,
)
from api.push import deliver_all, public_key
from api.state import AppState
from api.store import reminders as store

TEST_RETRY_DELAYS = (1.0,)  # a person is waiting on "Send me one now": one quick retry only


class PushKey(msgspec.Struct):
    public_key: str  # the applicationServerKey, base64url


class TestResult(msgspec.Struct):
    delivered: int
    subscriptions: int


@get("/api/push/key", tags=["reminders"], summary="The server's VAPID public key (public)")
async def push_key(app_state: NamedDependency[AppState]) -> PushKey:
    return PushKey(public_key=public_key(app_state.pusher.vapid))


class PushSubscriptionController(Controller):
    path = "/api/push/subscriptions"
    tags = ("reminders",)

    @post("/", summary="Store this browser's PushSubscription for my account")
    async def subscribe(
        self,
        data: JSONBody[SubscriptionIn],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> SubscriptionOut:
        check_subscription(data, app_state.settings.push_allow_local)
        await app_state.db.write(store.subscribe, user.id, data, app_state.clock())
        return SubscriptionOut(endpoint=data.endpoint)

    @delete("/", summary="Forget this browser's subscription (body: its endpoint)", status_code=204)
    async def unsubscribe(
        self,
        data: JSONBody[SubscriptionOut],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> None:
        if not await app_state.db.write(store.unsubscribe, user.id, data.endpoint):
            raise NotFound("push subscription")


class ReminderController(Controller):
    path = "/api/reminders"
    tags = ("reminders",)

    @get("/", summary="My reminder settings (all off until turned on)")
    async def get_reminders(
        self, user: NamedDependency[User], app_state: NamedDependency[AppState]
    ) -> ReminderSettings:
        return await app_state.db.read(store.settings_of, user.id)

    @put("/", summary="Replace my reminder settings")
    async def put_reminders(
        self,
        data: JSONBody[ReminderSettings],
        user: NamedDependency[User],
        app_state: NamedDependency[AppState],
    ) -> ReminderSettings:
        settings = validate(data)
        await app_state.db.write(store.save_settings, user.id, settings, app_state.clock())
        return settings

    @post("/test", summary="Send one reminder now to each of my browsers; how many got it")
    async def test_reminder(
        self, user: NamedDependency[User], app_state: NamedDependency[AppState]
    ) -> TestResult:
        subscriptions = await app_state.db.read(store.subscriptions_of, user.id)
        delivered = await deliver_all(
            app_state.db, app_state.pusher, subscriptions, test_payload(), TEST_RETRY_DELAYS
        )
        return TestResult(delivered=delivered, subscriptions=len(subscriptions))
