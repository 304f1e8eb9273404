"""Error responses: the API's are JSON (400, 404 and 500 alike), the pages' are the site's own HTML pages.

Django calls these for errors its URL resolver, middleware and views raise (handler400/404/500 in
tokenledger.urls); inside the API, django-ninja answers for its own errors (pricing.api) and lets the rest
reach `server_error` here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist, loader
from django.views import defaults

from tokenledger.logs import current_request_id

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request_response(request: HttpRequest, message: str) -> HttpResponse:
    """400 with `message`: JSON for the API, the site's page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "400.html", {"message": message}, status=400)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception's text may describe the server (a suspicious host, a file path): not shown.
    return bad_request_response(request, "The request cannot be read.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": "Not Found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 without any detail of the error (Django has logged it), with the request's id to quote."""
    request_id = current_request_id()
    if is_api(request):
        return JsonResponse(
            {"detail": "Internal server error. It has been logged.", "request_id": request_id}, status=500
        )
    try:  # like Django's view: a plain context, no request, no context processor (500.html says why)
        template = loader.get_template("500.html")
    except TemplateDoesNotExist:
        return defaults.server_error(request)
    return HttpResponseServerError(template.render({"request_id": request_id}))
