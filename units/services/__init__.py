"""Writes of the registry core, by subject. Every function here runs in one transaction and is
the only place its rule lives; the admin, the API, the commands and the workbook importer call
them (``from units import services``; ``services.decision_approve(...)``).

- ``jurisdictions``: jurisdictions and their institution caps;
- ``registrations``: units that existed before the registry;
- ``decisions``: draft decisions and their attachments;
- ``events``: the events of drafts and the checks of their shape;
- ``approval``: approval and revocation, and the re-derivation of versions they run;
- ``derivation``: the versions derived from registrations and approved events (writes nothing);
- ``rebuild``: the whole registry re-derived, or compared with what is stored.
"""

from .approval import (
    affected_unit_ids,
    decision_approve,
    decision_record_revoked,
    decision_revoke,
    decisions_approve,
    rederive,
)
from .decisions import (
    attachment_add,
    attachment_delete,
    decision_create,
    decision_delete,
    decision_update,
)
from .documents import (
    DocumentInput,
    PowerItemInput,
    document_add,
    document_replace,
    document_withdraw,
    documents_add,
)
from .events import (
    EventInput,
    NewUnit,
    decision_structure_problems,
    event_create,
    event_delete,
    event_update,
    events_create_bulk,
)
from .jurisdictions import institution_cap_set, jurisdiction_create
from .rebuild import registry_differences, registry_rebuild
from .registrations import RegistrationInput, unit_register, units_register_bulk

__all__ = [
    "DocumentInput",
    "EventInput",
    "NewUnit",
    "PowerItemInput",
    "RegistrationInput",
    "affected_unit_ids",
    "attachment_add",
    "attachment_delete",
    "decision_approve",
    "decision_create",
    "decision_delete",
    "decision_record_revoked",
    "decision_revoke",
    "decision_structure_problems",
    "decision_update",
    "document_add",
    "document_replace",
    "document_withdraw",
    "documents_add",
    "decisions_approve",
    "event_create",
    "event_delete",
    "event_update",
    "events_create_bulk",
    "institution_cap_set",
    "jurisdiction_create",
    "registry_differences",
    "registry_rebuild",
    "rederive",
    "unit_register",
    "units_register_bulk",
]
