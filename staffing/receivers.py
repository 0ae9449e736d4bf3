"""The ledger follows the registry: receivers of ``units.signals.registry_changed``."""

from __future__ import annotations

from typing import Any

from .services import ledger_follow_registry


def follow_registry(
    sender: Any, *, unit_ids=None, decisions=(), action: str = "", **kwargs
) -> None:
    """Approvals and revocations move quotas; a refusal here refuses the whole write."""
    ledger_follow_registry(unit_ids=unit_ids, decisions=list(decisions or ()), action=action)
