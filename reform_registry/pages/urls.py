"""URLs of the pages for officials (DESIGN §7): the unit pages under the ``units`` namespace,
the reports beside them."""

from django.urls import include, path

from . import changes, decisions, departments, reform, units

unit_patterns = [
    path("units/", units.unit_list, name="unit-list"),
    path("units/<str:key>/", units.unit_detail, name="unit-detail"),
    path("departments/<str:key>/", departments.department_detail, name="department-detail"),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision-detail"),
]

urlpatterns = [
    path("", units.home, name="home"),
    path("changes/", changes.changes, name="changes"),
    path("reports/reform/", reform.reform_dashboard, name="reform-dashboard"),
    path("", include((unit_patterns, "units"))),
]
