"""Crisis resources shown whenever a check-in has the lowest mood or PHQ-9 item 9 is above 0.

They come from the deployment (``crisis_file``, a JSON file of this shape) so a clinic outside
the US can list its own lines; the default is the US 988 Suicide & Crisis Lifeline and emergency
services. The text says plainly that nobody watches the journal in real time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec


class Resource(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    kind: Literal["call", "text", "chat", "web", "emergency"]
    contact: str
    url: str | None = None
    note: str | None = None


class Crisis(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    message: str
    not_monitored: str
    resources: list[Resource]


DEFAULT = Crisis(
    message=(
        "If you are thinking about suicide or feel you might not be safe, please reach out now. "
        "You deserve support right away."
    ),
    not_monitored=(
        "Nobody monitors this journal in real time. What you enter here is not seen by your "
        "clinic or anyone else until you choose to share it."
    ),
    resources=[
        Resource(
            name="988 Suicide & Crisis Lifeline",
            kind="call",
            contact="988",
            url="tel:988",
            note="Free and confidential, 24 hours a day (US).",
        ),
        Resource(
            name="988 Suicide & Crisis Lifeline",
            kind="text",
            contact="988",
            url="sms:988",
            note="Text 988 to reach a trained counselor (US).",
        ),
        Resource(
            name="Emergency services",
            kind="emergency",
            contact="911",
            url="tel:911",
            note="If you are in immediate danger, call 911 or go to the nearest emergency room.",
        ),
    ],
)


def load_crisis(path: str) -> Crisis:
    """The deployment's resources, or the US defaults. A broken file stops start-up."""
    if not path:
        return DEFAULT
    try:
        return msgspec.json.decode(Path(path).read_bytes(), type=Crisis)
    except (OSError, msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise SystemExit(f"Cannot load crisis resources from {path}: {exc}") from exc
