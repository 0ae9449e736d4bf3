"""Content negotiation: ``?format=`` given empty is refused like an unknown format (404)."""

from django.http import Http404
from rest_framework.negotiation import DefaultContentNegotiation


class RegistryContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        key = self.settings.URL_FORMAT_OVERRIDE
        if key and key in request.query_params and not request.query_params[key].strip():
            raise Http404("format")
        return super().select_renderer(request, renderers, format_suffix)
