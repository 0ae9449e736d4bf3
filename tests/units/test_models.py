"""Each database constraint of units/models.py refuses bad data written behind the services."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.fixtures.constraints import assert_invalid, assert_refused, named_constraints
from units.models import (
    Decision,
    Event,
    EventParticipant,
    FeedCounter,
    FeedEntry,
    FeedEntryJurisdiction,
    FeedEntryUnit,
    InstitutionCap,
    Jurisdiction,
    JurisdictionScope,
    PowerListItem,
    Unit,
    UnitDocument,
    UnitRegistration,
    UnitSearchEntry,
    UnitVersion,
)

D = dt.date


@pytest.fixture
def base(db):
    city = Jurisdiction.objects.create(code="150200", name="包头市", level="city")
    unit = Unit.objects.create(key="u1", kind="institution")
    other = Unit.objects.create(key="u2", kind="department")
    decision = Decision.objects.create(
        number="包编发〔2020〕1号", title="t", issued_on=D(2020, 1, 1)
    )
    event = Event.objects.create(
        decision=decision, key="e1", type="establish", effective_on=D(2020, 1, 1)
    )
    user = get_user_model().objects.create_user("clerk")
    return {
        "city": city,
        "unit": unit,
        "other": other,
        "decision": decision,
        "event": event,
        "user": user,
    }


def version(b, **fields):
    values = {
        "unit": b["unit"],
        "kind": "institution",
        "valid_from": D(2020, 1, 1),
        "valid_to": None,
        "name": "名称",
        "jurisdiction": b["city"],
    }
    values.update(fields)
    return UnitVersion.objects.create(**values)


def decision(b, **fields):
    values = {"number": "包编发〔2020〕9号", "title": "t", "issued_on": D(2020, 1, 1)}
    values.update(fields)
    return Decision.objects.create(**values)


def participant(b, **fields):
    values = {"event": b["event"], "unit": b["unit"], "role": "target"}
    values.update(fields)
    return EventParticipant.objects.create(**values)


def document(b, **fields):
    values = {
        "unit": b["unit"],
        "kind": "sanding",
        "title": "t",
        "issued_on": D(2020, 1, 1),
        "effective_from": D(2020, 1, 1),
    }
    values.update(fields)
    return UnitDocument.objects.create(**values)


def power_item(b, **fields):
    values = {"document": document(b, kind="power_list"), "matter": "m", "decides": "department"}
    values.update(fields)
    return PowerListItem.objects.create(**values)


def feed_entry(b, **fields):
    values = {"seq": 1, "kind": "unit.registered", "at": timezone.now()}
    values.update(fields)
    return FeedEntry.objects.create(**values)


CASES = {
    # Jurisdiction
    "jurisdiction code unique": lambda b: Jurisdiction.objects.create(
        code="150200", name="x", level="city"
    ),
    "jurisdiction code six digits (short)": lambda b: Jurisdiction.objects.create(
        code="15020", name="x", level="city"
    ),
    "jurisdiction code six digits (letters)": lambda b: Jurisdiction.objects.create(
        code="15020A", name="x", level="city"
    ),
    "jurisdiction code six digits (full-width digit)": lambda b: Jurisdiction.objects.create(
        code="15020５", name="x", level="city"
    ),
    "jurisdiction name not empty": lambda b: Jurisdiction.objects.create(
        code="150300", name="", level="city"
    ),
    "jurisdiction level valid": lambda b: Jurisdiction.objects.create(
        code="150300", name="x", level="village"
    ),
    "jurisdiction not own parent": lambda b: Jurisdiction.objects.filter(pk=b["city"].pk).update(
        parent=b["city"]
    ),
    # InstitutionCap
    "cap one per date": lambda b: [
        InstitutionCap.objects.create(jurisdiction=b["city"], valid_from=D(2020, 1, 1), cap=200)
        for _ in range(2)
    ],
    "cap not negative": lambda b: InstitutionCap.objects.create(
        jurisdiction=b["city"], valid_from=D(2020, 1, 1), cap=-1
    ),
    # Unit
    "unit key unique": lambda b: Unit.objects.create(key="u1", kind="institution"),
    "unit kind valid": lambda b: Unit.objects.create(key="u3", kind="enterprise"),
    "unit key not empty": lambda b: Unit.objects.create(key="", kind="institution"),
    # UnitRegistration
    "one registration per unit": lambda b: [
        UnitRegistration.objects.create(unit=b["unit"], established_on=D(2015, 1, 1))
        for _ in range(2)
    ],
    # UnitVersion
    "version valid_from before valid_to": lambda b: version(b, valid_to=D(2020, 1, 1)),
    "version valid_to after valid_from": lambda b: version(b, valid_to=D(2019, 1, 1)),
    "one open version per unit": lambda b: [
        version(b, valid_from=D(2020, 1, 1)),
        version(b, valid_from=D(2021, 1, 1)),
    ],
    "one version per unit and date": lambda b: [
        version(b, valid_to=D(2021, 1, 1)),
        version(b, valid_to=D(2022, 1, 1)),
    ],
    "version kind valid": lambda b: version(b, kind="enterprise"),
    "version category valid": lambda b: version(b, category="charity"),
    "version rank valid": lambda b: version(b, rank="general"),
    "version funding valid": lambda b: version(b, funding="loan"),
    "version credit code length": lambda b: version(b, credit_code="123"),
    "version not own parent": lambda b: version(b, parent=b["unit"]),
    "version name not empty": lambda b: version(b, name=""),
    "version internal bodies not negative": lambda b: version(b, internal_bodies=-1),
    "version jurisdiction required": lambda b: version(b, jurisdiction=None),
    # Decision
    # Written behind ``save`` (which keeps the number's compared form), so that only the
    # number itself is the same.
    "decision number unique": lambda b: Decision.objects.filter(pk=decision(b).pk).update(
        number="包编发〔2020〕1号"
    ),
    "decision number key unique": lambda b: decision(b, number="包编发[2020] 1号"),
    "decision number not empty": lambda b: decision(b, number=""),
    "decision revision not negative": lambda b: decision(b, revision=-1),
    "decision status valid": lambda b: decision(b, status="pending", approved_at=timezone.now()),
    "approved decision has approval time": lambda b: decision(b, status="approved"),
    "revoked decision has revocation time": lambda b: decision(
        b, status="revoked", approved_at=timezone.now()
    ),
    # Event
    "event key unique": lambda b: Event.objects.create(
        decision=b["decision"], key="e1", type="abolish", effective_on=D(2020, 1, 1)
    ),
    "event key not empty": lambda b: Event.objects.create(
        decision=b["decision"], key="", type="abolish", effective_on=D(2020, 1, 1)
    ),
    "event type valid": lambda b: Event.objects.create(
        decision=b["decision"], key="e2", type="sell", effective_on=D(2020, 1, 1)
    ),
    # EventParticipant
    "unit once per event": lambda b: [participant(b), participant(b, role="source")],
    "unit created by one event only": lambda b: [
        participant(b, creates=True),
        participant(
            b,
            creates=True,
            event=Event.objects.create(
                decision=b["decision"], key="e2", type="establish", effective_on=D(2021, 1, 1)
            ),
        ),
    ],
    "participant role valid": lambda b: participant(b, role="witness"),
    "only targets are created": lambda b: participant(b, role="source", creates=True),
    "participant position not negative": lambda b: participant(b, position=-1),
    # UnitDocument
    "document kind valid": lambda b: document(b, kind="poem"),
    "document title not empty": lambda b: document(b, title=""),
    "document effective after issued": lambda b: document(b, effective_from=D(2019, 12, 31)),
    "document withdrawn after issued": lambda b: document(b, withdrawn_on=D(2019, 12, 31)),
    "document one per kind and date": lambda b: [document(b), document(b, title="t2")],
    "document number once per unit": lambda b: [
        document(b, number="包编发〔2020〕1号"),
        document(b, number="包编发[2020]1号", kind="charter"),
    ],
    # PowerListItem
    "power item decides valid": lambda b: power_item(b, decides="mayor"),
    "power item matter not empty": lambda b: power_item(b, matter=""),
    # UnitSearchEntry
    "search entry once per tier": lambda b: [
        UnitSearchEntry.objects.create(unit=b["unit"], tier=1, text="\n甲\n", grams="甲")
        for _ in range(2)
    ],
    "search tier valid": lambda b: UnitSearchEntry.objects.create(
        unit=b["unit"], tier=2, text="\n甲\n", grams="甲"
    ),
    # JurisdictionScope
    "scope once per user": lambda b: [
        JurisdictionScope.objects.create(user=b["user"], jurisdiction=b["city"]) for _ in range(2)
    ],
    # The outbox of the feed
    "feed counter one row": lambda b: FeedCounter.objects.create(pk=2),
    "feed seq positive": lambda b: feed_entry(b, seq=0),
    "feed kind valid": lambda b: feed_entry(b, kind="unit.painted"),
    "feed entry id unique": lambda b: [
        feed_entry(b, uid=feed_entry(b).uid, seq=2),
    ],
    "feed unit once per entry": lambda b: [
        FeedEntryUnit.objects.create(entry=feed_entry(b), unit=b["unit"]),
        FeedEntryUnit.objects.create(entry=FeedEntry.objects.get(seq=1), unit=b["unit"]),
    ],
    "feed jurisdiction once per entry": lambda b: [
        FeedEntryJurisdiction.objects.create(entry=feed_entry(b), jurisdiction=b["city"]),
        FeedEntryJurisdiction.objects.create(
            entry=FeedEntry.objects.get(seq=1), jurisdiction=b["city"]
        ),
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_constraint_refuses_bad_data(base, case):
    with pytest.raises(IntegrityError), transaction.atomic():
        CASES[case](base)


# The case that breaks each named constraint and unique field, which the database must name
# when it refuses it; tests/test_constraint_coverage.py requires one for every constraint.
NAMED = {
    "units_jurisdiction_code_six_digits": "jurisdiction code six digits (short)",
    "units_jurisdiction_name_not_empty": "jurisdiction name not empty",
    "units_jurisdiction_level_valid": "jurisdiction level valid",
    "units_jurisdiction_not_own_parent": "jurisdiction not own parent",
    "units.Jurisdiction.code unique": "jurisdiction code unique",
    "units_institutioncap_one_per_date": "cap one per date",
    "units_unit_kind_valid": "unit kind valid",
    "units_unit_key_not_empty": "unit key not empty",
    "units.Unit.key unique": "unit key unique",
    "units.UnitRegistration.unit unique": "one registration per unit",
    "units_unitversion_valid_from_before_valid_to": "version valid_from before valid_to",
    "units_unitversion_one_open_version": "one open version per unit",
    "units_unitversion_one_version_per_date": "one version per unit and date",
    "units_unitversion_kind_valid": "version kind valid",
    "units_unitversion_category_valid": "version category valid",
    "units_unitversion_rank_valid": "version rank valid",
    "units_unitversion_funding_valid": "version funding valid",
    "units_unitversion_credit_code_length": "version credit code length",
    "units_unitversion_not_own_parent": "version not own parent",
    "units_unitversion_name_not_empty": "version name not empty",
    "units_decision_status_valid": "decision status valid",
    "units_decision_number_not_empty": "decision number not empty",
    "units_decision_approved_has_time": "approved decision has approval time",
    "units_decision_revoked_has_time": "revoked decision has revocation time",
    "units.Decision.number unique": "decision number unique",
    "units_decision_number_key_unique": "decision number key unique",
    "units_event_type_valid": "event type valid",
    "units_event_key_not_empty": "event key not empty",
    "units.Event.key unique": "event key unique",
    "units_eventparticipant_unit_once_per_event": "unit once per event",
    "units_eventparticipant_created_once": "unit created by one event only",
    "units_eventparticipant_role_valid": "participant role valid",
    "units_eventparticipant_only_targets_created": "only targets are created",
    "units_unitdocument_kind_valid": "document kind valid",
    "units_unitdocument_title_not_empty": "document title not empty",
    "units_unitdocument_effective_after_issued": "document effective after issued",
    "units_unitdocument_withdrawn_after_issued": "document withdrawn after issued",
    "units_unitdocument_one_per_kind_and_date": "document one per kind and date",
    "units_unitdocument_number_once_per_unit": "document number once per unit",
    "units_powerlistitem_decides_valid": "power item decides valid",
    "units_powerlistitem_matter_not_empty": "power item matter not empty",
    "units_unitsearchentry_once_per_tier": "search entry once per tier",
    "units_unitsearchentry_tier_valid": "search tier valid",
    "units_jurisdictionscope_once_per_user": "scope once per user",
    "units_feedcounter_one_row": "feed counter one row",
    "units_feedentry_seq_positive": "feed seq positive",
    "units_feedentry_kind_valid": "feed kind valid",
    "units.FeedEntry.uid unique": "feed entry id unique",
    "units_feedentryunit_once_per_entry": "feed unit once per entry",
    "units_feedentryjurisdiction_once_per_entry": "feed jurisdiction once per entry",
}


# Rules that the database checks first under another name (the column check of a positive
# field refuses a negative cap): the model's validation refuses them by their own name.
VALIDATED = {
    "units_institutioncap_cap_not_negative": lambda b: InstitutionCap(
        jurisdiction=b["city"], valid_from=D(2020, 1, 1), cap=-1
    ),
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_the_database_names_the_constraint_it_refuses_with(base, name):
    assert_refused(named_constraints("units")[name], lambda: CASES[NAMED[name]](base))


@pytest.mark.parametrize("name", sorted(VALIDATED))
def test_the_model_names_the_constraint_it_refuses_with(base, name):
    assert_invalid(name, VALIDATED[name](base))


def test_the_good_rows_of_the_cases_are_accepted(base):
    """The fixtures themselves are valid, so each case fails for the reason it names."""
    version(base, valid_to=D(2021, 1, 1), credit_code="91350100M000100Y43", parent=base["other"])
    version(base, valid_from=D(2021, 1, 1), category="business", rank="section", funding="full")
    decision(base, status="revoked", approved_at=timezone.now(), revoked_at=timezone.now())
    participant(base, creates=True, role="target")
    InstitutionCap.objects.create(jurisdiction=base["city"], valid_from=D(2020, 1, 1), cap=0)
    document(base, number="包编发〔2020〕1号", withdrawn_on=D(2021, 1, 1))
    document(base, number="包编发〔2020〕2号")  # the first is withdrawn: the date is free
    power_item(base)
    FeedEntryUnit.objects.create(entry=feed_entry(base), unit=base["unit"])
    FeedEntryJurisdiction.objects.create(entry=feed_entry(base, seq=2), jurisdiction=base["city"])
    assert UnitVersion.objects.count() == 2


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (Jurisdiction, {"parent": "self"}),
        (UnitVersion, {"jurisdiction": "city"}),
        (UnitVersion, {"parent": "other"}),
        (EventParticipant, {"unit": "unit"}),
        (FeedEntryUnit, {"unit": "unit"}),
    ],
)
def test_protected_references_cannot_be_deleted(base, model, fields):
    """Foreign keys with PROTECT keep history: a referenced unit or jurisdiction stays."""
    from django.db.models import ProtectedError

    if model is Jurisdiction:
        Jurisdiction.objects.create(code="150203", name="区", level="county", parent=base["city"])
        target = base["city"]
    elif model is UnitVersion:
        version(base, parent=base["other"])
        target = base["city"] if "jurisdiction" in fields else base["other"]
    elif model is FeedEntryUnit:
        FeedEntryUnit.objects.create(entry=feed_entry(base), unit=base["unit"])
        target = base["unit"]
    else:
        participant(base)
        target = base["unit"]
    with pytest.raises(ProtectedError), transaction.atomic():
        target.delete()
