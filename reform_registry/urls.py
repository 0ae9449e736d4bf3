"""Root URLs: admin, API, schema and the pages for officials."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    """The schema, in the request's language; its file is named in ASCII whatever the language
    of its title (a header cannot carry the Chinese title)."""

    def _get_filename(self, request, version):
        suffix = self.perform_content_negotiation(request, force=True)[0].format
        return f"reform-registry-api.{suffix}"


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever a page links: the site's icon."""

    def get_redirect_url(self, *args, **kwargs):
        return static_url("favicon.svg")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("reform_registry.api.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    # The split view serves the docs' script as a file (?script), not inline: the content
    # security policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("", include("reform_registry.pages.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# An error no view handled: the API's error shape under /api/, the site's 500 page elsewhere.
handler500 = "reform_registry.api.errors.server_error"
