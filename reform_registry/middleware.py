"""Middleware of the site."""


class DefaultLanguageMiddleware:
    """Serve the site in its default language (简体中文) unless the user chose another one.

    Django's LocaleMiddleware would follow the browser's Accept-Language header; the office's
    machines often run English browsers, so only an explicit choice (the language switch, which
    sets the language cookie) changes the language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
