"""The reports of the registry (DESIGN §4): reform summary, institutions, quotas and changes.

Every report is a plain dataclass computed by grouped SQL queries, a fixed number of them
whatever the number of units; the API serializes them and the pages render them.
"""

from .changes import ChangedUnit, ChangeEvent, ChangesReport, changes_report
from .common import ratio
from .drafts import DraftRegistry, draft_pool_inflow_rows, draft_registry, drafts_for_preview
from .institutions import GROUPINGS, GroupCount, InstitutionsReport, institutions_report
from .quotas import QUOTA_GROUPINGS, PoolRow, QuotaRow, QuotasReport, quotas_report
from .reform import (
    DepartmentCounts,
    ReformSummary,
    institution_cap_on,
    reform_period_problem,
    reform_summary,
)

__all__ = [
    "GROUPINGS",
    "QUOTA_GROUPINGS",
    "ChangeEvent",
    "ChangedUnit",
    "ChangesReport",
    "DepartmentCounts",
    "DraftRegistry",
    "GroupCount",
    "InstitutionsReport",
    "PoolRow",
    "QuotaRow",
    "QuotasReport",
    "ReformSummary",
    "changes_report",
    "draft_pool_inflow_rows",
    "draft_registry",
    "drafts_for_preview",
    "institution_cap_on",
    "institutions_report",
    "quotas_report",
    "ratio",
    "reform_period_problem",
    "reform_summary",
]
