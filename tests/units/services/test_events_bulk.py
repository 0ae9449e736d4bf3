"""The set-based event service shares event_create's checks and reports every problem."""

import datetime as dt

import pytest

from core.errors import RegistryError
from units import services
from units.models import Event, EventParticipant, Unit, UnitVersion

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def base():
    city = services.jurisdiction_create(code="150200", name="包头市", level="city")
    services.units_register_bulk(
        rows=[
            services.RegistrationInput(
                "dept", "department", D(2019, 1, 1), {"name": "住建局", "jurisdiction": "150200"}
            ),
            services.RegistrationInput(
                "a", "institution", D(2019, 1, 1), {"name": "甲", "jurisdiction": "150200"}
            ),
            services.RegistrationInput(
                "b", "institution", D(2019, 1, 1), {"name": "乙", "jurisdiction": "150200"}
            ),
        ]
    )
    decision = services.decision_create(
        number="包编发〔2020〕1号", title="改革", issued_on=D(2020, 1, 1)
    )
    return city, decision


def test_bulk_events_create_and_approve(base):
    _city, decision = base
    events = services.events_create_bulk(
        rows=[
            services.EventInput(
                decision=decision,
                key="m1",
                type="merge",
                effective_on=D(2020, 6, 1),
                sources=["a", "b"],
                new_units=[
                    services.NewUnit(
                        "ab", "institution", {"name": "甲乙", "jurisdiction": "150200"}
                    )
                ],
            ),
            services.EventInput(
                decision=decision,
                key="c1",
                type="change",
                effective_on=D(2020, 3, 1),
                sources=["dept"],
                attributes={"name": "住房和城乡建设局"},
            ),
        ]
    )
    assert [e.key for e in events] == ["m1", "c1"]
    assert EventParticipant.objects.filter(event__key="m1").count() == 3
    services.decisions_approve(decisions=[decision])
    assert UnitVersion.objects.filter(unit__key="ab", valid_to__isnull=True).get().name == "甲乙"
    assert UnitVersion.objects.get(unit__key="a").valid_to == D(2020, 6, 1)
    assert UnitVersion.objects.filter(unit__key="dept").count() == 2


def test_bulk_events_report_every_problem(base):
    _city, decision = base
    with pytest.raises(RegistryError) as info:
        services.events_create_bulk(
            rows=[
                services.EventInput(
                    decision=decision,
                    key="m1",
                    type="merge",
                    effective_on=D(2020, 6, 1),
                    sources=["a"],
                    new_units=[
                        services.NewUnit(
                            "ab", "institution", {"name": "甲乙", "jurisdiction": "150200"}
                        )
                    ],
                ),
                services.EventInput(
                    decision=decision,
                    key="x1",
                    type="abolish",
                    effective_on=D(2020, 6, 1),
                    sources=["nope"],
                ),
                services.EventInput(
                    decision=decision,
                    key="c1",
                    type="change",
                    effective_on=D(2020, 6, 1),
                    sources=["a"],
                    attributes={"credit_code": "12150200MB0000000X"},
                ),
            ]
        )
    by_event = {p["event"] for p in info.value.problems}
    assert by_event == {"m1", "x1", "c1"}
    assert not Event.objects.exists()
    assert not Unit.objects.filter(key="ab").exists()
