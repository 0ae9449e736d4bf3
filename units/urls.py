"""Pages for officials (DESIGN §7)."""

from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("units/", views.unit_list, name="unit-list"),
    path("units/<str:key>/", views.unit_detail, name="unit-detail"),
    path("departments/<str:key>/", views.department_detail, name="department-detail"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision-detail"),
]
