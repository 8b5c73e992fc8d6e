"""The calendar feed: created, listed and revoked like share links; parsed with ``icalendar``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.helpers import register

Client = AsyncTestClient[Litestar]
CLINIC = "Riverside Clinic"
NOTES = "canary-notes-7f3a"
PARIS = ZoneInfo("Europe/Paris")


def treatment(at: datetime, status: str = "planned", **more: Any) -> dict[str, Any]:
    return {
        "at": at.isoformat(),
        "kind": "iv_infusion",
        "status": status,
        "clinic": CLINIC,
        "dose_mg": 47.25,
        "notes": NOTES,
        "side_effects": ["canary-side-effect"],
        **more,
    }


async def plan(client: Client) -> tuple[str, datetime]:
    """A planned infusion next week at 10:00 Paris time, one done last week, one cancelled."""
    await register(client, "alice", timezone="Europe/Paris")
    today = datetime.now(PARIS).date()
    start = datetime.combine(today + timedelta(days=7), datetime.min.time(), PARIS).replace(hour=10)
    planned_id = str(uuid.uuid4())
    done = start - timedelta(days=14)
    cancelled = start + timedelta(days=2)
    for record_id, body in (
        (planned_id, treatment(start)),
        (str(uuid.uuid4()), treatment(done, "done")),
        (str(uuid.uuid4()), treatment(cancelled, "cancelled")),
    ):
        response = await client.put(f"/api/treatments/{record_id}", json=body)
        assert response.status_code == 201, response.text
    return planned_id, start


async def fetch(other: Client, url: str) -> icalendar.Calendar:
    path = url.split("://", 1)[1].split("/", 1)[1]
    response = await other.get("/" + path)  # a calendar app: no cookie, no header
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert NOTES not in response.text
    assert "canary-side-effect" not in response.text
    assert "47.25" not in response.text  # the dose
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return [each for each in calendar.walk("VEVENT") if isinstance(each, icalendar.Event)]


async def test_owner_feed_events_and_alarms(client: Client, other: Client) -> None:
    planned_id, start = await plan(client)
    created = await client.post("/api/calendar-links", json={"label": "My phone"})
    assert created.status_code == 201, created.text
    link = created.json()
    assert link["url"].endswith(".ics")
    assert link["webcal_url"].startswith("webcal://")
    assert link["webcal_url"].split("://", 1)[1] == link["url"].split("://", 1)[1]

    calendar = await fetch(other, link["url"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    found = events(calendar)
    assert len(found) == 3
    first = next(each for each in found if str(each["UID"]).startswith(planned_id))
    assert first.decoded("DTSTART") == start
    assert first["DTSTART"].params["TZID"] == "Europe/Paris"
    assert first.decoded("DTEND") - first.decoded("DTSTART") == timedelta(hours=2)
    assert str(first["SUMMARY"]) == "Infusion"
    assert str(first["LOCATION"]) == CLINIC
    [alarm] = first.walk("VALARM")
    evening = datetime.combine(start.date() - timedelta(days=1), datetime.min.time(), PARIS)
    assert alarm.decoded("TRIGGER") == evening.replace(hour=19).astimezone(UTC)
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert "10:00" in str(alarm["DESCRIPTION"])
    statuses = sorted(str(each["STATUS"]) for each in found)
    assert statuses == ["CANCELLED", "CONFIRMED", "CONFIRMED"]
    # Only the planned one has an alarm.
    assert sum(len(each.walk("VALARM")) for each in found) == 1

    # The UID is stable: a second fetch names the same events.
    again = events(await fetch(other, link["url"]))
    assert sorted(str(e["UID"]) for e in again) == sorted(str(e["UID"]) for e in found)


async def test_the_alarm_follows_the_chosen_evening_time(client: Client, other: Client) -> None:
    _, start = await plan(client)
    await client.put("/api/reminders", json={"session": {"enabled": False, "time": "18:30"}})
    link = (await client.post("/api/calendar-links", json={})).json()
    [alarm] = [a for e in events(await fetch(other, link["url"])) for a in e.walk("VALARM")]
    evening = datetime.combine(start.date() - timedelta(days=1), datetime.min.time(), PARIS)
    assert alarm.decoded("TRIGGER") == evening.replace(hour=18, minute=30).astimezone(UTC)


async def test_family_feed_has_no_clinic(client: Client, other: Client) -> None:
    await plan(client)
    link = (await client.post("/api/calendar-links", json={"audience": "family"})).json()
    response = await other.get("/" + link["url"].split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 200
    assert CLINIC not in response.text
    assert "Riverside" not in response.text
    calendar = icalendar.Calendar.from_ical(response.content)
    found = events(calendar)
    assert len(found) == 3
    assert all("LOCATION" not in each for each in found)
    assert {str(each["SUMMARY"]) for each in found} == {"Infusion"}


async def test_revoked_unknown_and_expired_links_are_404(client: Client, other: Client) -> None:
    await plan(client)
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    link = (await client.post("/api/calendar-links", json={"expires_at": soon})).json()
    path = "/" + link["url"].split("://", 1)[1].split("/", 1)[1]
    assert (await other.get(path)).status_code == 200
    listed = (await client.get("/api/calendar-links")).json()
    assert [(each["id"], each["opens"], each["status"]) for each in listed] == [
        (link["id"], 1, "active")
    ]
    assert "token" not in listed[0]
    assert (await client.delete(f"/api/calendar-links/{link['id']}")).status_code == 204
    gone = await other.get(path)
    assert gone.status_code == 404
    assert link["token"] not in gone.text
    assert (await other.get("/calendar/" + "x" * 43 + ".ics")).status_code == 404
    assert (await other.get("/calendar/short.ics")).status_code == 404
    assert (await client.get("/api/calendar-links")).json()[0]["status"] == "revoked"
    # Another account cannot revoke someone else's link.
    await register(other, "bob")
    assert (await other.delete(f"/api/calendar-links/{link['id']}")).status_code == 404


async def test_link_validation_names_the_field(client: Client, other: Client) -> None:
    assert (await other.get("/api/calendar-links")).status_code == 401
    await register(client, "alice")
    too_late = (datetime.now(UTC).date() + timedelta(days=400)).isoformat() + "T00:00:00+00:00"
    response = await client.post("/api/calendar-links", json={"expires_at": too_late})
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "expires_at"
    response = await client.post("/api/calendar-links", json={"audience": "clinic"})
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "audience"
