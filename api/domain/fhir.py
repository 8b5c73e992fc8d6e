"""FHIR R4 shaping for GET /api/export/fhir: a ``collection`` Bundle built from plain records.

Pure: ``bundle`` takes the patient's name, the assessments and the treatments and returns the
Bundle as builtins (dicts and lists) ready to encode as JSON. Every resource has a stable id, so
exporting twice gives the same ids and a receiving system can recognise what it already has:

- a QuestionnaireResponse per assessment, id = the assessment's record id;
- its total-score Observation, id = uuid5(QR id, "total") — derived, so stable too;
- a Procedure per DONE treatment, id = the treatment's record id;
- a vital-signs blood-pressure Observation per reading (before, after) of a done treatment,
  id = uuid5(treatment id, "bp_before" / "bp_after"), ``partOf`` its Procedure. ``partOf``
  because FHIR R4's Observation.partOf may reference a Procedure ("a larger event of which this
  observation is a step"), while ``derivedFrom`` may not (it takes QuestionnaireResponse,
  Observation, DocumentReference, ImagingStudy, Media, MolecularSequence);
- the Patient, id = uuid5 of the username (name only: nothing else identifies the person).

Every ``fullUrl`` is ``urn:uuid:<id>`` and references between resources use those URNs.

Why ``Procedure`` and not ``MedicationAdministration`` for a treatment: a Waypoint treatment is
the patient's note of a clinic session ("IV infusion, 35 mg, felt dissociated"). A
MedicationAdministration must name the medication (a Medication resource or a coded drug) and
should carry a structured dosage with route and rate; we hold only a kind and an optional
free-text-grade dose, entered by the patient, so it would be either invalid or falsely precise.
A Procedure (status completed, what was done, when, notes, complications) says exactly what we
know without claiming more. A clinic's own records remain the source of truth for medication.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final
from uuid import UUID, uuid5

from api.domain import instruments
from api.domain.kinds import AssessmentOut, BloodPressure, TreatmentOut
from api.domain.report import KIND_LABELS

LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
#: HL7's blood-pressure profile (R4): panel 85354-9 with systolic and diastolic components.
BP_PROFILE: Final = "http://hl7.org/fhir/StructureDefinition/bp"
BP_PANEL: Final = ("85354-9", "Blood pressure panel with all children optional")
BP_SYSTOLIC: Final = ("8480-6", "Systolic blood pressure")
BP_DIASTOLIC: Final = ("8462-4", "Diastolic blood pressure")
#: Namespace of Waypoint's derived FHIR ids (a fixed random UUID; never change it).
NAMESPACE: Final = UUID("6f1c3d4e-2b7a-4f0e-9c55-8d2a41b7e903")

#: LOINC answer list LL358-3 (PHQ-9 and GAD-7 items), by the value scored.
FREQUENCY_ANSWERS: Final = (
    ("LA6568-5", "Not at all"),
    ("LA6569-3", "Several days"),
    ("LA6570-1", "More than half the days"),
    ("LA6571-9", "Nearly every day"),
)
#: LOINC answer list LL359-1 (the difficulty question 69722-7 that closes PHQ-9 and GAD-7).
#: LOINC's codes are not in scale order here:
#: "Very difficult" is LA6575-0 and "Extremely difficult" LA6574-3.
DIFFICULTY_ANSWERS: Final = (
    ("LA6572-7", "Not difficult at all"),
    ("LA6573-5", "Somewhat difficult"),
    ("LA6575-0", "Very difficult"),
    ("LA6574-3", "Extremely difficult"),
)
PROCEDURE_TEXT: Final = {
    "iv_infusion": "Ketamine intravenous infusion",
    "esketamine_nasal": "Esketamine nasal spray session",
    "im_injection": "Ketamine intramuscular injection",
    "oral": "Oral ketamine dose",
    "other": "Ketamine treatment (other route)",
}


def urn(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def patient_id(username: str) -> str:
    return str(uuid5(NAMESPACE, f"patient:{username.lower()}"))


def observation_id(assessment_id: str) -> str:
    """The total-score Observation's id: derived from its QuestionnaireResponse, so stable."""
    return str(uuid5(UUID(assessment_id), "total"))


def _moment(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _coding(code: str, display: str, system: str = LOINC) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def questionnaire_response(assessment: AssessmentOut, subject: str) -> dict[str, Any]:
    """The answers, each item keyed by its LOINC code, plus the total and (PHQ-9) difficulty."""
    spec = instruments.instrument(assessment.instrument)
    items: list[dict[str, Any]] = [
        {
            "linkId": item.loinc,
            "text": item.text,
            "answer": [{"valueCoding": _coding(*FREQUENCY_ANSWERS[answer])}],
        }
        for item, answer in zip(spec.items, assessment.answers, strict=True)
    ]
    if spec.difficulty is not None and assessment.difficulty is not None:
        items.append(
            {
                "linkId": spec.difficulty.loinc,
                "text": spec.difficulty.text,
                "answer": [{"valueCoding": _coding(*DIFFICULTY_ANSWERS[assessment.difficulty])}],
            }
        )
    items.append(
        {
            "linkId": spec.total_loinc,
            "text": f"{spec.name} total score",
            "answer": [{"valueInteger": assessment.total}],
        }
    )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": assessment.id,
        "questionnaire": f"{LOINC}/q/{spec.panel_loinc}",
        "status": "completed",
        "subject": {"reference": subject},
        "authored": _moment(assessment.taken_at),
        "item": items,
    }


def total_observation(assessment: AssessmentOut, subject: str) -> dict[str, Any]:
    """The total score as a survey Observation, derived from its QuestionnaireResponse."""
    spec = instruments.instrument(assessment.instrument)
    return {
        "resourceType": "Observation",
        "id": observation_id(assessment.id),
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {
            "coding": [{"system": LOINC, "code": spec.total_loinc}],
            "text": f"{spec.name} total score",
        },
        "subject": {"reference": subject},
        "effectiveDateTime": _moment(assessment.taken_at),
        "valueQuantity": {
            "value": assessment.total,
            "unit": "{score}",
            "system": UCUM,
            "code": "{score}",
        },
        "interpretation": [{"text": f"{assessment.band_label} ({spec.name} severity band)"}],
        "derivedFrom": [{"reference": urn(assessment.id)}],
    }


def _pressure(label: str, value: BloodPressure | None) -> str | None:
    return (
        None
        if value is None
        else f"Blood pressure {label}: {value.systolic}/{value.diastolic} mmHg"
    )


def procedure(treatment: TreatmentOut, subject: str) -> dict[str, Any]:
    """A done treatment as a completed Procedure (see the module docstring for why)."""
    notes = [
        f"Dose: {treatment.dose_mg:g} mg" if treatment.dose_mg is not None else None,
        f"Clinic: {treatment.clinic}" if treatment.clinic else None,
        _pressure("before", treatment.bp_before),
        _pressure("after", treatment.bp_after),
        treatment.notes or None,
    ]
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": treatment.id,
        "status": "completed",
        "code": {"text": PROCEDURE_TEXT.get(treatment.kind, KIND_LABELS.get(treatment.kind, ""))},
        "subject": {"reference": subject},
        "performedDateTime": _moment(treatment.at),
    }
    if treatment.side_effects:
        resource["complication"] = [{"text": effect} for effect in treatment.side_effects]
    if any(notes):
        resource["note"] = [{"text": text} for text in notes if text]
    return resource


def _mm_hg(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}


def blood_pressure(treatment: TreatmentOut, subject: str) -> list[dict[str, Any]]:
    """The session's blood-pressure readings as vital-signs Observations, part of its Procedure.

    Both readings carry the session's time (the app does not record the minute of each
    reading); the note says which one was before and which after the session.
    """
    found = []
    for moment, value in (("before", treatment.bp_before), ("after", treatment.bp_after)):
        if value is None:
            continue
        found.append(
            {
                "resourceType": "Observation",
                "id": str(uuid5(UUID(treatment.id), f"bp_{moment}")),
                "meta": {"profile": [BP_PROFILE]},
                "status": "final",
                "category": [
                    {
                        "coding": [
                            {
                                "system": OBSERVATION_CATEGORY,
                                "code": "vital-signs",
                                "display": "Vital Signs",
                            }
                        ]
                    }
                ],
                "code": {"coding": [_coding(*BP_PANEL)], "text": "Blood pressure"},
                "subject": {"reference": subject},
                "effectiveDateTime": _moment(treatment.at),
                "partOf": [{"reference": urn(treatment.id)}],
                "note": [{"text": f"Measured {moment} the session; reported by the patient."}],
                "component": [
                    {
                        "code": {"coding": [_coding(*BP_SYSTOLIC)]},
                        "valueQuantity": _mm_hg(value.systolic),
                    },
                    {
                        "code": {"coding": [_coding(*BP_DIASTOLIC)]},
                        "valueQuantity": _mm_hg(value.diastolic),
                    },
                ],
            }
        )
    return found


def bundle(
    *,
    username: str,
    patient_name: str,
    assessments: Sequence[AssessmentOut],
    treatments: Sequence[TreatmentOut],
    generated: datetime,
) -> dict[str, Any]:
    """A Bundle of type collection: Patient, then per assessment QR + Observation, then each
    Procedure followed by its blood-pressure Observations.

    Only treatments with status ``done`` become Procedures: a planned or cancelled session has
    not happened, and a Procedure records what was done.
    """
    pid = patient_id(username)
    subject = urn(pid)
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": pid, "name": [{"text": patient_name}]}
    ]
    for assessment in assessments:
        resources.append(questionnaire_response(assessment, subject))
        resources.append(total_observation(assessment, subject))
    for treatment in treatments:
        if treatment.status == "done":
            resources.append(procedure(treatment, subject))
            resources.extend(blood_pressure(treatment, subject))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _moment(generated),
        "entry": [{"fullUrl": urn(r["id"]), "resource": r} for r in resources],
    }
