"""Writing the demo's plan through ``units.services`` only, like a clerk would: jurisdictions,
registrations, each decision with its events (entered latest first), approvals in
``APPROVAL_ORDER`` (each dated the day its decision was issued), and the city's institution
caps."""

from __future__ import annotations

from django.db import transaction

from units import services
from units.models import Decision, Jurisdiction

from .approvals import approval_time, demo_approver
from .baotou import APPROVAL_ORDER, DEMO_MARKER_DECISION, ENTRY_ORDER, ISSUER
from .plan import demo_plan


def demo_loaded() -> bool:
    return Decision.objects.filter(number=DEMO_MARKER_DECISION).exists()


@transaction.atomic
def build_demo() -> dict[str, int]:
    """Write the demo through ``units.services``; returns what was created."""
    plan = demo_plan()
    jurisdictions: dict[str, Jurisdiction] = {}
    for code, name, level, parent in plan.jurisdictions:
        existing = Jurisdiction.objects.filter(code=code).first()
        jurisdictions[code] = existing or services.jurisdiction_create(
            code=code, name=name, level=level, parent=jurisdictions.get(parent) if parent else None
        )
    services.units_register_bulk(
        rows=[
            services.RegistrationInput(r.key, r.kind, r.established_on, r.attributes)
            for r in plan.registrations
        ]
    )
    decisions: dict[str, Decision] = {}
    n_events = 0
    for name in ENTRY_ORDER:
        spec = plan.decisions[name]
        decision = services.decision_create(
            number=spec.number, title=spec.title, issued_on=spec.issued_on, issuer=ISSUER
        )
        decisions[name] = decision
        # Events of a decision entered latest first, as a clerk catching up might.
        for event in reversed(spec.events):
            services.event_create(
                decision=decision,
                key=event["key"],
                type=event["type"],
                effective_on=event["effective_on"],
                sources=event["sources"],
                targets=event["targets"],
                new_units=[services.NewUnit(k, kind, a) for k, kind, a in event["new_units"]],
                attributes=event["attributes"] or None,
                note=event["note"],
            )
            n_events += 1
    approver = demo_approver()
    for group in APPROVAL_ORDER:
        if len(group) == 1:
            services.decision_approve(
                decision=decisions[group[0]], approved_at=approval_time, approved_by=approver
            )
        else:
            services.decisions_approve(
                decisions=[decisions[name] for name in group],
                approved_at=approval_time,
                approved_by=approver,
            )
    for code, valid_from, cap, decision_name in plan.caps:
        services.institution_cap_set(
            jurisdiction=jurisdictions[code],
            valid_from=valid_from,
            cap=cap,
            decision=decisions[decision_name] if decision_name else None,
        )
    return {
        "jurisdictions": len(plan.jurisdictions),
        "registrations": len(plan.registrations),
        "decisions": len(decisions),
        "events": n_events,
    }
