"""WSGI entry point. Refuses to start without SECRET_KEY unless DEBUG."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reform_registry.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (configured by get_wsgi_application)

try:
    settings.SECRET_KEY  # noqa: B018  (Django raises when it is empty)
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured(settings.SECRET_KEY_MISSING_MESSAGE) from exc
