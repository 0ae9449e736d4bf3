"""Authentication of the office's users: Django's model backend, loading with each user of a
session whether a jurisdiction scope limits them (``units.permissions``), so that restricting
the reads of a user no scope limits costs no query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from .models import JurisdictionScope
from .permissions import SCOPED


class RegistryBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        scoped = Exists(JurisdictionScope.objects.filter(user=OuterRef("pk")))
        try:
            user = model._default_manager.annotate(**{SCOPED: scoped}).get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
