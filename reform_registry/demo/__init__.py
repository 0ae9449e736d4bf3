"""The demo registry: Baotou's 2020 reform of public institutions (深化事业单位改革试点), and the
synthetic registry at national scale.

- ``baotou``: the city's reform as data (decisions, the department table, names, the article's
  figures); ``districts``: the districts' units and merger;
- ``draws``: plausible draws shared by the demo and the generator (names, credit codes,
  attributes, headcounts);
- ``plan``: ``demo_plan()``, the registrations and events worked out from the tables;
- ``figures``: ``demo_figures()``, the reform's figures from the plan alone;
- ``build``: ``build_demo()``, the plan written through ``units.services``;
- ``approvals``: when and by whom the demo's decisions were approved (the day each was issued,
  the demo's approver);
- ``staffing``: the demo's quotas, headcounts and recovery campaign (``staffing.services``);
- ``workbook``: the committed demo workbook, built, exported and imported;
- ``generate`` and ``generate_ledger``: the synthetic registry of ``manage.py generate_registry``
  and its quotas and headcounts;
- ``hooks``: the steps ``load_demo`` and ``generate_registry`` run when they exist.
"""

from .baotou import (
    ARTICLE_FIGURES,
    CITY,
    DEMO_AFTER,
    DEMO_BEFORE,
    DEMO_MARKER_DECISION,
    DRAFT_NUMBER,
    ENTRY_ORDER,
    ISSUER,
    SCIENCE_UNITS,
    ZJJ,
)
from .build import build_demo, demo_loaded
from .figures import demo_figures
from .plan import demo_plan
from .staffing import CAMPAIGN_NUMBER, apply_demo_campaign, load_staffing_demo

__all__ = [
    "ARTICLE_FIGURES",
    "CAMPAIGN_NUMBER",
    "CITY",
    "DEMO_AFTER",
    "DEMO_BEFORE",
    "DEMO_MARKER_DECISION",
    "DRAFT_NUMBER",
    "ENTRY_ORDER",
    "ISSUER",
    "SCIENCE_UNITS",
    "ZJJ",
    "apply_demo_campaign",
    "build_demo",
    "demo_figures",
    "demo_loaded",
    "demo_plan",
    "load_staffing_demo",
]
