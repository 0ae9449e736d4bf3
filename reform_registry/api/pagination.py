"""Pagination of every API list: ``?page=`` and ``?page_size=`` up to 1000; lists carry ``count``."""

from rest_framework.pagination import PageNumberPagination


class RegistryPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
