"""The record kinds — check-ins, treatments, questionnaires — listed once.

Each kind has its Structs (what a PUT sends, what is stored, what GET returns), the rule that
turns a valid PUT body into what is stored (``prepare``), its plural path (``/api/<path>``) and a
label for messages. Everything else — the controllers, the changes feed, the archive, Daylio, the
report, FHIR, the demo, the bench seeder and the web app (``pwa/js/kinds.js`` mirrors ``path``) —
reads ``KINDS``.

The constraints in the Structs are the only copy of the limits: ``Kind.validate`` runs
``msgspec.convert``, which checks them (constructing a Struct does not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as Time
from typing import Annotated, Any, Final, Generic, Literal, NamedTuple, Protocol, TypeVar
from zoneinfo import ZoneInfo

import msgspec

from api.domain import instruments
from api.domain.crisis import Crisis
from api.domain.dates import check_day
from api.domain.errors import InvalidField
from api.domain.instruments import InstrumentId
from api.domain.trends.shapes import Prompt

# Versions and sequence numbers stay below 2**53, the largest integer a JavaScript client holds
# exactly (and far inside a 64-bit INTEGER).
MAX_COUNTER = 2**53 - 1
BaseVersion = Annotated[
    int,
    msgspec.Meta(
        ge=0, le=MAX_COUNTER, description="The version this edit is based on; a stale one gets 409."
    ),
]
KindName = Literal["entry", "treatment", "assessment", "safety_plan"]


class Prepared(NamedTuple):
    """What a kind makes of a validated PUT body before it is stored."""

    stored: msgspec.Struct  # the fields to keep (encoded as the record's data)
    day: str  # the local calendar day the record belongs to, for date ranges
    flagged: bool  # a safety flag (lowest mood, PHQ-9 item 9 above 0)


class Encoded(NamedTuple):
    """A valid PUT body as the store keeps it: the fields in two compact JSON objects."""

    plain: bytes  # numbers, dates and choices the trends read in bulk
    private: bytes  # the person's own words (the kind's ``private_fields``); b"" if none
    day: str
    flagged: bool


class StoredRecord(NamedTuple):
    """A record as the store holds it: server fields and the encoded data (None if deleted)."""

    id: str
    version: int
    updated_at: str
    flagged: int
    deleted: int
    data: bytes | None  # the whole record as JSON (its private part already decrypted)
    seq: int


class RecordOut(Protocol):
    """What every kind's GET shape carries besides its own fields."""

    id: str
    version: int
    updated_at: str
    flagged: bool
    crisis: Crisis | None


PutT = TypeVar("PutT", bound=msgspec.Struct)
OutT = TypeVar("OutT", bound=RecordOut)


@dataclass(frozen=True)
class Kind(Generic[PutT, OutT]):
    name: KindName
    path: str  # the plural in /api/<path>/{id}
    label: str  # how a person calls one, for messages
    put_type: type[PutT]
    out_type: type[OutT]
    prepare: Callable[[PutT, ZoneInfo, datetime], Prepared]
    #: The fields stored encrypted (the person's own words: ``api/domain/crypto.py``). Everything
    #: else stays readable by SQL, so trends read numbers in bulk without decrypting anything.
    private_fields: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        """The kind's field in the archive (its path as a name)."""
        return self.path.replace("-", "_")

    @property
    def singleton(self) -> bool:
        """One record per user, at ``/api/<path>`` (the safety plan), not one per id."""
        return self.name in SINGLETONS

    def validate(self, data: Any) -> PutT:
        """A PUT body from plain data (or any object with the attributes), constraints checked;
        raises ``msgspec.ValidationError`` naming the path of the bad field."""
        return msgspec.convert(data, self.put_type, from_attributes=True)

    def encode(self, body: PutT, tz: ZoneInfo, now: datetime) -> Encoded:
        """The stored parts, day and flag of a valid PUT body (raises ``InvalidField``)."""
        prepared = self.prepare(body, tz, now)
        fields = msgspec.to_builtins(prepared.stored)  # omits defaults, as encoding does
        private = {name: fields.pop(name) for name in self.private_fields if name in fields}
        return Encoded(
            ENCODER.encode(fields),
            ENCODER.encode(private) if private else b"",
            prepared.day,
            prepared.flagged,
        )

    def out(self, row: StoredRecord) -> OutT:
        """The GET shape of a live stored record."""
        assert row.data is not None
        out = msgspec.json.decode(row.data, type=self.out_type)
        out.id = row.id
        out.version = row.version
        out.updated_at = row.updated_at
        out.flagged = bool(row.flagged)
        return out


ENCODER = msgspec.json.Encoder()


# --- check-ins ----------------------------------------------------------------------------------

LOWEST_MOOD = 0
Score = Annotated[int, msgspec.Meta(ge=0, le=10, description="0 (worst) to 10 (best)")]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class EntryFields(msgspec.Struct, kw_only=True, omit_defaults=True):
    day: date
    time: Time | None = None
    mood: Score
    anxiety: Score | None = None
    energy: Score | None = None
    sleep_hours: Annotated[float, msgspec.Meta(ge=0, le=24)] | None = None
    tags: Annotated[list[Tag], msgspec.Meta(max_length=20)] = []
    note: Annotated[str, msgspec.Meta(max_length=10_000)] = ""


class EntryPut(EntryFields, forbid_unknown_fields=True):
    base_version: BaseVersion | None = None


class EntryOut(EntryFields, omit_defaults=False):
    id: str = ""
    version: int = 0
    updated_at: str = ""
    flagged: bool = False
    crisis: Crisis | None = None
    prompts: list[Prompt] = []


def prepare_entry(body: EntryPut, tz: ZoneInfo, now: datetime) -> Prepared:
    check_day("day", body.day)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    if body.day > tomorrow:
        raise InvalidField("day", "must be no later than tomorrow in your time zone.")
    stored = msgspec.structs.replace(body, base_version=None)
    return Prepared(stored, body.day.isoformat(), body.mood == LOWEST_MOOD)


# --- treatments ---------------------------------------------------------------------------------

TreatmentKind = Literal["iv_infusion", "esketamine_nasal", "im_injection", "oral", "other"]
TreatmentStatus = Literal["planned", "done", "cancelled"]
Text = Annotated[str, msgspec.Meta(max_length=200)]


class BloodPressure(msgspec.Struct, forbid_unknown_fields=True):
    systolic: Annotated[int, msgspec.Meta(ge=40, le=300, description="mmHg")]
    diastolic: Annotated[int, msgspec.Meta(ge=20, le=200, description="mmHg")]


class TreatmentFields(msgspec.Struct, kw_only=True, omit_defaults=True):
    at: Annotated[datetime, msgspec.Meta(tz=True, description="Date-time with its UTC offset")]
    kind: TreatmentKind
    status: TreatmentStatus
    dose_mg: Annotated[float, msgspec.Meta(gt=0, le=5000)] | None = None
    clinic: Text | None = None
    notes: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None
    side_effects: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(max_length=30)
    ] = []
    bp_before: BloodPressure | None = None
    bp_after: BloodPressure | None = None


class TreatmentPut(TreatmentFields, forbid_unknown_fields=True):
    base_version: BaseVersion | None = None


class TreatmentOut(TreatmentFields, omit_defaults=False):
    id: str = ""
    version: int = 0
    updated_at: str = ""
    flagged: bool = False
    crisis: Crisis | None = None


def prepare_treatment(body: TreatmentPut, tz: ZoneInfo, now: datetime) -> Prepared:
    check_day("at", body.at)
    # A session that happened cannot be in the future; a day of slack covers clock skew.
    if body.status == "done" and body.at > now + timedelta(days=1):
        raise InvalidField("at", "a done treatment cannot be in the future; plan it instead.")
    stored = msgspec.structs.replace(body, base_version=None)
    return Prepared(stored, body.at.astimezone(tz).date().isoformat(), False)


# --- questionnaires -----------------------------------------------------------------------------

CLOCK_SKEW = timedelta(days=1)
Answer = Annotated[int, msgspec.Meta(ge=0, le=3, description="0 not at all … 3 nearly every day")]


class AssessmentFields(msgspec.Struct, kw_only=True, omit_defaults=True):
    instrument: InstrumentId
    answers: Annotated[list[Answer], msgspec.Meta(min_length=1, max_length=9)]
    # PHQ-9's closing question; it is not part of the score.
    difficulty: Annotated[int, msgspec.Meta(ge=0, le=3)] | None = None
    taken_at: Annotated[datetime, msgspec.Meta(tz=True)]


class AssessmentPut(AssessmentFields, forbid_unknown_fields=True):
    base_version: BaseVersion | None = None


class AssessmentStored(AssessmentFields):
    total: int = 0
    band: str = ""
    band_label: str = ""


class AssessmentOut(AssessmentStored, omit_defaults=False):
    id: str = ""
    version: int = 0
    updated_at: str = ""
    flagged: bool = False
    crisis: Crisis | None = None
    prompts: list[Prompt] = []


def prepare_assessment(body: AssessmentPut, tz: ZoneInfo, now: datetime) -> Prepared:
    check_day("taken_at", body.taken_at)
    spec = instruments.instrument(body.instrument)
    if len(body.answers) != len(spec.items):
        raise InvalidField(
            "answers", f"{spec.name} has {len(spec.items)} questions; got {len(body.answers)}."
        )
    if body.difficulty is not None and spec.difficulty is None:
        raise InvalidField("difficulty", f"{spec.name} has no difficulty question.")
    if body.taken_at > now + CLOCK_SKEW:
        raise InvalidField("taken_at", "cannot be in the future.")
    result = instruments.score(body.instrument, body.answers)
    stored = AssessmentStored(
        instrument=body.instrument,
        answers=body.answers,
        difficulty=body.difficulty,
        taken_at=body.taken_at,
        total=result.total,
        band=result.band,
        band_label=result.band_label,
    )
    day = body.taken_at.astimezone(tz).date().isoformat()
    return Prepared(stored, day, result.item9_positive)


# --- the safety plan (Stanley & Brown's six steps, and reasons to keep going) ------------------

PlanText = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
PlanList = Annotated[list[PlanText], msgspec.Meta(max_length=20)]
Phone = Annotated[
    str,
    msgspec.Meta(
        max_length=30,
        pattern=r"^\s*$|^\s*\+?[0-9][0-9 ().-]{2,28}\s*$",
        description="A phone number; shown as a link to call",
    ),
]


class Contact(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    phone: Phone = ""


ContactList = Annotated[list[Contact], msgspec.Meta(max_length=20)]


class SafetyPlanFields(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The steps of a Stanley-Brown safety plan, in their order."""

    warning_signs: PlanList = []
    coping_strategies: PlanList = []  # things I can do on my own
    distractions: ContactList = []  # people and places that take my mind off things
    people_to_ask: ContactList = []  # people I can ask for help
    professionals: ContactList = []  # my clinic, its after-hours number, other services
    safer_surroundings: PlanList = []  # making my surroundings safer
    reasons_to_keep_going: PlanList = []


class SafetyPlanPut(SafetyPlanFields, forbid_unknown_fields=True):
    base_version: BaseVersion | None = None


class SafetyPlanOut(SafetyPlanFields, omit_defaults=False):
    id: str = ""
    version: int = 0  # 0: no plan written yet
    updated_at: str = ""
    flagged: bool = False
    crisis: Crisis | None = None  # the deployment's crisis lines, shown with the professionals


def prepare_safety_plan(body: SafetyPlanPut, tz: ZoneInfo, now: datetime) -> Prepared:
    stored = msgspec.structs.replace(body, base_version=None)
    return Prepared(stored, now.astimezone(tz).date().isoformat(), False)


SINGLETONS: Final = frozenset({"safety_plan"})


# --- the registry -------------------------------------------------------------------------------

# name, path, label, PUT body, GET shape, the rule from one to what is stored, and the fields
# kept encrypted: the words and answers. Scores, totals, bands, doses, blood pressure, days and
# times stay plain, because trends, flags and the family schedule read them in bulk.
ENTRY = Kind("entry", "entries", "check-in", EntryPut, EntryOut, prepare_entry, ("tags", "note"))
TREATMENT = Kind(
    "treatment", "treatments", "treatment", TreatmentPut, TreatmentOut, prepare_treatment,
    ("clinic", "notes", "side_effects"),
)  # fmt: skip
ASSESSMENT = Kind(
    "assessment", "assessments", "questionnaire", AssessmentPut, AssessmentOut,
    prepare_assessment, ("answers", "difficulty"),
)  # fmt: skip
SAFETY_PLAN = Kind(
    "safety_plan", "safety-plan", "safety plan", SafetyPlanPut, SafetyPlanOut, prepare_safety_plan,
    tuple(name for name in SafetyPlanFields.__struct_fields__),
)  # fmt: skip
KINDS: dict[str, Kind[Any, Any]] = {
    kind.name: kind for kind in (ENTRY, TREATMENT, ASSESSMENT, SAFETY_PLAN)
}


# --- sync shapes --------------------------------------------------------------------------------


class Tombstone(msgspec.Struct, kw_only=True):
    id: str
    version: int
    deleted: bool = True


def current_copy(kind: Kind[Any, Any], row: StoredRecord) -> Any:
    """The server's copy of a record for a 409: a tombstone or the record as GET returns it."""
    return Tombstone(id=row.id, version=row.version) if row.deleted else kind.out(row)


class Change(msgspec.Struct, kw_only=True):
    seq: int
    kind: str
    id: str
    version: int
    deleted: bool
    updated_at: str
    record: Any = None  # the record as GET returns it; null for a tombstone


class ChangePage(msgspec.Struct, kw_only=True):
    changes: list[Change]
    next: int  # pass as ?since= to continue
    more: bool
