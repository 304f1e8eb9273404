"""Requests no view should see."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse

from tokenledger.errors import bad_request_response


class RejectNulBytesMiddleware:
    """A NUL byte anywhere in the path or the query string is a 400 before any view runs: no page or slug has
    one, and PostgreSQL refuses one in a query with an error (a 500, had it got that far)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            return bad_request_response(
                request, "The address contains a NUL byte (%00), which no page reads."
            )
        return self.get_response(request)
