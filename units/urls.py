"""Pages for officials (DESIGN §7)."""

from django.urls import path

from . import views

app_name = "units"

urlpatterns = [
    path("units/<str:key>/", views.unit_detail, name="unit-detail"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision-detail"),
]
