"""Middleware of the whole site: an id for each request, and requests no view should see."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from tokenledger import views
from tokenledger.errors import bad_request_response, is_api
from tokenledger.logs import bound_request_id

REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"
# What a proxy's id may look like: a UUID, hex, base64, Amazon's "Root=1-…": nothing that could forge a log line
# or break a header, and short enough to quote.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")


class RequestIdMiddleware:
    """Gives each request an id: the trusted proxy's (REQUEST_ID_HEADER) when it sent a readable one, else a new
    one. Logs written while it is served carry it, and so does the response (X-Request-ID) and the 500 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = self.incoming_id(request) or uuid.uuid4().hex
        request.request_id = request_id
        with bound_request_id(request_id):
            response = self.get_response(request)
        response[REQUEST_ID_RESPONSE_HEADER] = request_id
        return response

    @staticmethod
    def incoming_id(request: HttpRequest) -> str:
        """The id the trusted proxy set, if one is trusted and the id is readable; else ""."""
        header = settings.REQUEST_ID_HEADER
        if not header:
            return ""
        value = request.headers.get(header, "")
        return value if _REQUEST_ID.fullmatch(value) else ""


class HealthChecksMiddleware:
    """/healthz and /readyz, answered before anything reads the Host header (CommonMiddleware does, and refuses
    a host ALLOWED_HOSTS does not list): a load balancer probes each node by its own address. This is safe because
    neither answer depends on the host (no link, no redirect, never cached); every other path still checks it.
    Placed after SecurityMiddleware, whose HTTPS redirect exempts them (SECURE_REDIRECT_EXEMPT in settings)."""

    VIEWS = {"/healthz": views.healthz, "/readyz": views.readyz}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self.VIEWS.get(request.path_info)
        return view(request) if view else self.get_response(request)


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


class ApiErrorsAsJsonMiddleware:
    """Under /api/ every client error is JSON, whoever answered it: ninja's 405 for a POST, Django's 403 of a
    CSRF failure. (400, 404 and 500 come from tokenledger.errors already; the views answer JSON themselves.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            is_api(request)
            and 400 <= response.status_code < 500
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            json = JsonResponse({"detail": response.reason_phrase}, status=response.status_code)
            if response.has_header("Allow"):
                json["Allow"] = response["Allow"]
            return json
        return response
