"""Reads of the registry core, by subject: versions on a date (``versions``), jurisdictions,
histories, lineage, the changes of decisions.

Two subjects compose modules that themselves read through these selectors, and are imported
from their own modules: the unit list of the pages and the API (``units.selectors.units``,
through the filter sets) and the preview of a decision (``units.selectors.preview``, through
the services' derivation)."""

from .changes import ChangedUnit, DecisionChanges, EventChange, change_details
from .history import (
    UnitHistory,
    change_label,
    changed_fields,
    event_change,
    labelled_history,
    unit_history,
    unit_roles,
)
from .jurisdictions import jurisdiction_ids
from .lineage import MAX_LINEAGE_DEPTH, Lineage, LineageEdge, LineageExit, unit_lineage
from .search import units_matching
from .versions import (
    UnitRecord,
    UnitSpan,
    active_on,
    counted_institutions,
    department_institution_counts,
    ended_on,
    institution_versions,
    institutions_per_department,
    is_in_force,
    latest_names,
    latest_versions,
    names_on,
    today,
    unit_record,
    unit_spans,
    unit_state,
    unit_status_on,
    version_in_force,
    version_values,
    versions_on,
)

__all__ = [
    "MAX_LINEAGE_DEPTH",
    "ChangedUnit",
    "DecisionChanges",
    "EventChange",
    "Lineage",
    "LineageEdge",
    "LineageExit",
    "UnitHistory",
    "UnitRecord",
    "UnitSpan",
    "active_on",
    "change_details",
    "change_label",
    "changed_fields",
    "counted_institutions",
    "department_institution_counts",
    "ended_on",
    "event_change",
    "labelled_history",
    "institution_versions",
    "institutions_per_department",
    "is_in_force",
    "jurisdiction_ids",
    "latest_names",
    "latest_versions",
    "names_on",
    "today",
    "unit_history",
    "unit_lineage",
    "unit_record",
    "unit_roles",
    "unit_spans",
    "unit_state",
    "unit_status_on",
    "units_matching",
    "version_in_force",
    "version_values",
    "versions_on",
]
