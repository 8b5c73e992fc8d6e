"""Offline phones that sync through the real app always end up agreeing with the server.

A Hypothesis state machine drives two or three simulated devices, each logged in to the same
account with its own session. A device keeps what it last saw of each check-in and an outbox of
changes made offline, and syncs the way the web app does:

- push: each pending change is sent with the ``base_version`` the user edited (0 for a record the
  device has never seen on the server, so a create never overwrites anything);
- pull: ``/api/changes?since=<cursor>`` page by page, two changes a page.

Conflict policy (deterministic; a client that syncs should follow the same):

- a 409 on a live record: the server's copy is taken as the new base and the local change is
  sent again on top of it (the user's latest edit wins, but never blindly);
- a 409 with ``deleted: true``, or a tombstone arriving in a pull: the deletion wins and the
  pending local edit is dropped (a deleted check-in never comes back);
- a 404 on a delete: the record never reached the server, so there is nothing to delete.

Responses can be lost: the server applies the request but the device never hears back, so the
change stays in its outbox and is sent again later. A replay must change nothing.

Alongside the devices, ``ServerModel`` applies every request by the rules of ``api/records.py``
and each response is checked against it, so an acknowledged write that went missing, a version
that moved without a write, or a tombstone that came back fails at the step where it happened.
"""

from __future__ import annotations

import itertools
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from api.settings import Settings
from tests.helpers import PASSWORD, empty_journal

pytestmark = pytest.mark.slow
BOTH_ENGINES = True

MAX_DEVICES = 3
MAX_RECORDS = 6  # per example: few records, so phones often edit the same one (conflicts)
PAGE = 2  # a small page, so that every pull runs through several pages
Content = dict[str, Any] | None  # the fields a user edits; None = deleted

# Few distinct values on purpose: two devices often write the very same content, which is a
# replay for the server (200, no new version) even when the base version is stale.
contents = st.fixed_dictionaries(
    {
        "day": st.sampled_from(["2025-03-01", "2025-03-02"]),
        "mood": st.integers(0, 2),
        "note": st.sampled_from(["", "slept ok", "tired after the infusion"]),
    }
)
EDITED = ("day", "mood", "note")


def content_of(record: dict[str, Any] | None) -> Content:
    """The user-edited fields of a record as the API returns it."""
    return None if record is None else {key: record[key] for key in EDITED}


def entry_url(record_id: str) -> str:
    return f"/api/entries/{record_id}"


# --- the app, shared by all examples -----------------------------------------------------------


@dataclass
class Account:
    """One running app and one account with a session per device.

    Starting an app and logging in three times costs about a second (argon2), too much for every
    example, so examples share them; ``empty_journal()`` gives each example an account with no
    records at all, so that every example, and every replay of it, starts from the same state.
    """

    settings: Settings
    clients: list[TestClient[Litestar]]

    def empty_journal(self) -> None:
        empty_journal(self.settings)


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    """The conftest ``settings`` (SQLite or PostgreSQL), under a name that leaves Hypothesis'
    ``settings`` alone in the tests."""
    return settings


@contextmanager
def running_account(settings: Settings) -> Iterator[Account]:
    app = create_app(settings)
    with TestClient(app) as first:
        response = first.post("/api/account", json={"username": "sync", "password": PASSWORD})
        assert response.status_code == 201, response.text
        clients = [first]
        for _ in range(MAX_DEVICES - 1):
            device = TestClient(app)
            device.blocking_portal = first.blocking_portal  # the same running app
            response = device.post("/api/session", json={"username": "sync", "password": PASSWORD})
            assert response.status_code == 200, response.text
            clients.append(device)
        yield Account(settings, clients)


def changes_page(client: TestClient[Litestar], since: int, limit: int) -> dict[str, Any]:
    """One page of the change feed, checked to move forward (so no pull can loop forever)."""
    response = client.get("/api/changes", params={"since": since, "limit": limit})
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    seqs = [change["seq"] for change in page["changes"]]
    assert all(seq > since for seq in seqs), f"?since={since} returned seqs {seqs}"
    assert page["next"] == (seqs[-1] if seqs else since), page
    assert seqs or not page["more"], page
    return page


def all_changes(client: TestClient[Litestar], since: int) -> list[dict[str, Any]]:
    """A fresh full read of the change feed after ``since`` (one big page per request)."""
    changes: list[dict[str, Any]] = []
    while True:
        page = changes_page(client, since, 1000)
        changes += page["changes"]
        since = page["next"]
        if not page["more"]:
            return changes


# --- what the server must do ---------------------------------------------------------------------


@dataclass
class ServerModel:
    """Every write applied in order by the rules of ``api/records.py``: the expected server."""

    records: dict[str, tuple[int, Content]] = field(default_factory=dict)

    def put(self, record_id: str, base_version: int, content: Content) -> tuple[int, int]:
        """Apply a PUT; return the expected (status, version of the server's copy)."""
        if record_id not in self.records:
            self.records[record_id] = (1, content)
            return 201, 1
        version, stored = self.records[record_id]
        if stored is None:
            return 409, version  # deleted for good
        if stored == content:
            return 200, version  # a replay: no new version
        if base_version != version:
            return 409, version
        self.records[record_id] = (version + 1, content)
        return 200, version + 1

    def delete(self, record_id: str, base_version: int) -> tuple[int, int]:
        if record_id not in self.records:
            return 404, 0
        version, stored = self.records[record_id]
        if stored is None:
            return 204, version  # deleting twice is fine
        if base_version != version:
            return 409, version
        self.records[record_id] = (version + 1, None)
        return 204, version + 1

    def check(self, record_id: str, response: httpx.Response, expected: tuple[int, int]) -> None:
        status, version = expected
        event(f"{response.request.method} answered {status}")
        assert response.status_code == status, (record_id, response.text)
        if status == 409:
            current = response.json()["current"]
            _, stored = self.records[record_id]
            if stored is None:  # a tombstone, and nothing of the deleted record
                assert current == {"id": record_id, "version": version, "deleted": True}
            else:
                assert current["version"] == version
                assert content_of(current) == stored
        elif status in (200, 201):
            assert response.json()["version"] == version
            assert content_of(response.json()) == self.records[record_id][1]


# --- a phone -------------------------------------------------------------------------------------


@dataclass
class Pending:
    base_version: int  # the server version the user edited; 0 = never seen on the server
    content: Content  # None = delete


@dataclass
class Device:
    name: str
    client: TestClient[Litestar]
    model: ServerModel
    cursor: int
    known: dict[str, tuple[int, Content]] = field(default_factory=dict)  # last seen server copies
    outbox: dict[str, Pending] = field(default_factory=dict)  # one pending change per id, in order

    def view(self) -> dict[str, dict[str, Any]]:
        """What the user sees: the server copies it knows, with its own pending changes on top."""
        shown = {rid: content for rid, (_, content) in self.known.items() if content is not None}
        for record_id, pending in self.outbox.items():
            if pending.content is None:
                shown.pop(record_id, None)
            else:
                shown[record_id] = pending.content
        return shown

    def change(self, record_id: str, content: Content) -> None:
        """A create, edit or delete made offline. A second change to the same record folds into
        the pending one and keeps its base version (it is still based on that server copy)."""
        if record_id in self.outbox:
            self.outbox[record_id].content = content
        else:
            base_version = self.known[record_id][0] if record_id in self.known else 0
            self.outbox[record_id] = Pending(base_version, content)

    def push(self) -> None:
        for _ in range(3 * len(self.outbox) + 1):  # a conflict costs one extra round trip
            if not self.outbox:
                return
            self.push_next()
        raise AssertionError(f"{self.name} could not empty its outbox: {self.outbox}")

    def push_next(self, *, lose_response: bool = False) -> None:
        """Send the oldest pending change. With ``lose_response`` the server applies it but the
        device never hears back, so the change stays in the outbox and will be sent again."""
        record_id, pending = next(iter(self.outbox.items()))
        response = self.send(record_id, pending)
        if lose_response:
            event("a response was lost")
        else:
            self.settle(record_id, pending, response)

    def send(self, record_id: str, pending: Pending) -> httpx.Response:
        """One request, checked against what the server must answer."""
        if pending.content is None:
            response = self.client.delete(
                entry_url(record_id), params={"base_version": pending.base_version}
            )
            self.model.check(
                record_id, response, self.model.delete(record_id, pending.base_version)
            )
        else:
            body = {**pending.content, "base_version": pending.base_version}
            response = self.client.put(entry_url(record_id), json=body)
            expected = self.model.put(record_id, pending.base_version, pending.content)
            self.model.check(record_id, response, expected)
        return response

    def settle(self, record_id: str, pending: Pending, response: httpx.Response) -> None:
        if response.status_code == 409:
            current = response.json()["current"]
            if current.get("deleted"):  # deletion wins: drop the local change
                del self.outbox[record_id]
                self.known[record_id] = (current["version"], None)
            else:  # re-apply the local change on top of the server's copy
                self.known[record_id] = (current["version"], content_of(current))
                pending.base_version = current["version"]
            return
        del self.outbox[record_id]
        if response.status_code == 404:
            return  # a delete of a record that never reached the server
        if pending.content is None:
            # 204 carries no body: the tombstone's version arrives with the next pull.
            self.known[record_id] = (self.known.get(record_id, (0, None))[0], None)
        else:
            self.known[record_id] = (response.json()["version"], pending.content)

    def pull(self, between_pages: Callable[[], None] | None = None) -> None:
        while True:
            body = changes_page(self.client, self.cursor, PAGE)
            for change in body["changes"]:
                self.known[change["id"]] = (change["version"], content_of(change["record"]))
                if change["deleted"]:
                    self.outbox.pop(change["id"], None)  # deletion wins
            self.cursor = body["next"]
            if not body["more"]:
                return
            if between_pages is not None:
                between_pages()


# --- the state machine -----------------------------------------------------------------------


class Phones(RuleBasedStateMachine):
    account: Account  # set by the test before Hypothesis creates machines

    def __init__(self) -> None:
        super().__init__()
        self.account.empty_journal()
        self.model = ServerModel()
        self.devices: list[Device] = []
        self.ids = (str(uuid.UUID(int=n, version=4)) for n in itertools.count(1))
        self.created: list[str] = []  # in creation order

    @initialize(count=st.integers(2, MAX_DEVICES), existing=st.lists(contents, max_size=4))
    def phones(self, count: int, existing: list[Content]) -> None:
        """Two or three phones that all start with the account's existing check-ins."""
        for n, client in enumerate(self.account.clients[:count]):
            self.devices.append(Device(f"phone {n}", client, self.model, cursor=0))
        for content in existing:
            self.create(0, content)
        self.sync_all()

    def device(self, n: int) -> Device:
        return self.devices[n % len(self.devices)]

    def pick(self, device: Device, n: int) -> str | None:
        visible = [record_id for record_id in self.created if record_id in device.view()]
        return visible[n % len(visible)] if visible else None

    @precondition(lambda self: len(self.created) < MAX_RECORDS)
    @rule(n=st.integers(0, MAX_DEVICES - 1), content=contents)
    def create(self, n: int, content: Content) -> None:
        record_id = next(self.ids)
        self.created.append(record_id)
        self.device(n).change(record_id, content)

    @rule(n=st.integers(0, MAX_DEVICES - 1), which=st.integers(0, 50), content=contents)
    def edit(self, n: int, which: int, content: Content) -> None:
        device = self.device(n)
        if record_id := self.pick(device, which):
            device.change(record_id, content)

    @rule(n=st.integers(0, MAX_DEVICES - 1), which=st.integers(0, 50))
    def delete(self, n: int, which: int) -> None:
        device = self.device(n)
        if record_id := self.pick(device, which):
            device.change(record_id, None)

    @rule(n=st.integers(0, MAX_DEVICES - 1))
    def push(self, n: int) -> None:
        self.device(n).push()

    @rule(n=st.integers(0, MAX_DEVICES - 1))
    def push_one_and_lose_the_response(self, n: int) -> None:
        device = self.device(n)
        if device.outbox:
            device.push_next(lose_response=True)

    @rule(n=st.integers(0, MAX_DEVICES - 1))
    def pull(self, n: int) -> None:
        self.device(n).pull()

    @rule(n=st.integers(0, MAX_DEVICES - 1), other=st.integers(1, MAX_DEVICES - 1))
    def pull_while_another_phone_pushes(self, n: int, other: int) -> None:
        """Another phone's writes land between the pages of this phone's pull."""
        pusher = self.device(n + other)

        def push_one() -> None:
            if pusher.outbox:
                pusher.push_next()

        self.device(n).pull(between_pages=push_one)

    @rule(n=st.integers(0, MAX_DEVICES - 1), which=st.integers(0, 50), content=contents)
    def a_naive_phone_restores_a_deleted_record(self, n: int, which: int, content: Content) -> None:
        """An older or buggy client takes the tombstone's version as its base and sends the
        record again: the server must still refuse (409, deleted), whatever the base."""
        device = self.device(n)
        deleted = [rid for rid in self.created if device.known.get(rid, (0, {}))[1] is None]
        if deleted:
            record_id = deleted[which % len(deleted)]
            tombstone_version = device.known[record_id][0]
            device.send(record_id, Pending(tombstone_version, content))

    @rule()
    def sync_all(self) -> None:
        """Every phone pushes, then every phone pulls: all of them must agree with the server."""
        for device in self.devices:
            device.push()
        for device in self.devices:
            device.pull()
        server = self.server_state()
        live = {rid: content for rid, (_, content) in server.items() if content is not None}
        for device in self.devices:
            assert not device.outbox, device.name
            assert device.known == server, device.name
            assert device.view() == live, device.name
        client = self.devices[0].client
        for record_id, (version, content) in server.items():
            response = client.get(entry_url(record_id))
            if content is None:
                assert response.status_code == 404, response.text
            else:
                assert response.status_code == 200, response.text
                assert content_of(response.json()) == content
                assert response.json()["version"] == version

    def server_state(self) -> dict[str, tuple[int, Content]]:
        """Every record of this example as the change feed has it now (tombstones included)."""
        state = {}
        for change in all_changes(self.account.clients[0], 0):
            state[change["id"]] = (change["version"], content_of(change["record"]))
        return state

    @invariant()
    def server_holds_every_acknowledged_write(self) -> None:
        # The model applied every request the server accepted, in order: the server must hold
        # exactly that, so no acknowledged write is lost and no rejected one slipped in.
        assert self.server_state() == self.model.records

    @invariant()
    def deleted_records_never_come_back(self) -> None:
        for device in self.devices:
            for record_id, (_, content) in device.known.items():
                if content is None:
                    assert record_id not in device.view(), (device.name, record_id)

    def teardown(self) -> None:
        # The final sync, unless a step already failed (then that failure is the one to report).
        if sys.exc_info()[1] is None and self.devices:
            self.sync_all()


def test_phones_converge_with_the_server(app_settings: Settings) -> None:
    with running_account(app_settings) as account:
        Phones.account = account
        run_state_machine_as_test(
            Phones,
            settings=settings(
                max_examples=50,
                stateful_step_count=30,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )


def test_paging_while_writes_land_skips_nothing(app_settings: Settings) -> None:
    """Writes between the pages of a pull: every change the feed holds at the end was seen,
    in order, with no repeats, and the last version seen of each record is its final one."""
    with running_account(app_settings) as account:
        client = account.clients[0]

        @settings(max_examples=30, deadline=None, derandomize=True, database=None)
        @given(
            limit=st.integers(1, 4),
            writes=st.lists(
                st.tuples(st.sampled_from(["create", "edit", "delete"]), st.integers(0, 50)),
                max_size=20,
            ),
        )
        def check(limit: int, writes: list[tuple[str, int]]) -> None:
            account.empty_journal()
            ids = (str(uuid.UUID(int=n, version=4)) for n in itertools.count(1))
            versions: dict[str, int] = {}  # live records this example wrote, with their version
            for _ in range(5):
                record_id = next(ids)
                versions[record_id] = write(client, record_id, 0)

            seen: list[dict[str, Any]] = []
            cursor, pending = 0, list(writes)
            while True:
                page = changes_page(client, cursor, limit)
                seen += page["changes"]
                cursor = page["next"]
                if pending:
                    action, which = pending.pop(0)
                    land_a_write(client, versions, ids, action, which)
                elif not page["more"]:
                    break

            seqs = [change["seq"] for change in seen]
            assert seqs == sorted(set(seqs)), "the feed repeated or reordered changes"
            final = all_changes(client, 0)
            assert {change["seq"] for change in final} <= set(seqs), "paging skipped a change"
            last_seen = {change["id"]: change["version"] for change in seen}
            assert last_seen == {change["id"]: change["version"] for change in final}

        check()


def write(client: TestClient[Litestar], record_id: str, base_version: int) -> int:
    body = {"day": "2025-03-01", "mood": 5, "note": str(uuid.uuid4()), "base_version": base_version}
    response = client.put(entry_url(record_id), json=body)
    assert response.status_code in (200, 201), response.text
    version: int = response.json()["version"]
    return version


def land_a_write(
    client: TestClient[Litestar],
    versions: dict[str, int],
    ids: Iterator[str],
    action: str,
    which: int,
) -> None:
    live = list(versions)
    if action == "create" or not live:
        record_id = next(ids)
        versions[record_id] = write(client, record_id, 0)
    elif action == "edit":
        record_id = live[which % len(live)]
        versions[record_id] = write(client, record_id, versions[record_id])
    else:
        record_id = live[which % len(live)]
        response = client.delete(
            entry_url(record_id), params={"base_version": versions.pop(record_id)}
        )
        assert response.status_code == 204, response.text
