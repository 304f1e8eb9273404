"""Parts of a page kept in the cache between answers that differ elsewhere: a model's profile page read at another
conversation (`?input_tokens=`) has the same article, FAQ, charts and similar models; only its cost estimate and
its table of hosts change. A page-cache miss then rebuilds those and takes the rest from here.

Each part (a section of rendered HTML, `{% section %}`, or data a view computes, `Sections.data`) is kept under a
key made of the page's object (or none, for a part every page shares), the part's name, anything else it depends
on (a host's id), the versions of the kinds of data it reads (`freshness.trusted`, the versions cached pages use)
and today's date (pages read the clock: prices in force, a model's status today, "the last 90 days"). A sync, a
publication or a probe batch stamps a new version, so a part built from the old data is never served again, and
it leaves the cache within PAGE_TIMEOUT, as pages do. A part that reads a kind of data must name it: one that
names too few is served stale (tests/catalog/test_profile_sections.py builds pages both ways and compares them).

Only anonymous readers' parts are kept and read: a signed-in editor's page is built whole, every time (pages show
editors their links), so no part of one reaches a reader, nor a reader's part an editor. Disabled (a preview, an
editor), every part is built as if there were no cache.

The parts a view reads are fetched in one round trip (`prefetch`), those it did not name one by one; beside
Redis, from the process's near cache first (freshness.kept), as pages are. Data that a
cached section makes unnecessary is passed to the template as a `Lazy` value, computed only if a section is
built.

A whole page can be kept the same way (`page`): as its skeleton, the page with the parts that differ between
answers (`{% hole %}`, the reader's conversation) left open. An answer then reads one part and renders only the
holes, instead of walking the template's hundreds of nodes to paste its sections together.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.template.context import make_context
from django.utils import timezone

from catalog import freshness

MISSING = freshness.MISSING
# The context variable that tells `{% hole %}` to mark its place rather than render (templatetags.sections).
HOLE_MARK = "sections_hole_mark"


class Lazy:
    """A value computed the first time it is read: the template calls it (Django calls what it finds callable),
    and so can the view."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self.build = build
        self.value = MISSING

    def __call__(self) -> Any:
        if self.value is MISSING:
            self.value = self.build()
        return self.value


def resolve(value: Any) -> Any:
    """A context's value as a tag reads it: computed if it is `Lazy`."""
    return value() if isinstance(value, Lazy) else value


class Sections:
    """The cached parts of one page, about one object (`owner`, e.g. "model:4"), each reading data of the kinds
    `scopes` names (part name → kinds; a name missing from it reads them all)."""

    def __init__(self, owner: str, scopes: dict[str, tuple[str, ...]], *, enabled: bool) -> None:
        self.owner = owner
        self.scopes = scopes
        self.enabled = enabled
        self.today = timezone.now().date()
        self._found: dict[str, Any] = {}
        self._keys: dict[tuple, str] = {}

    @classmethod
    def for_request(cls, request, owner: str, scopes: dict[str, tuple[str, ...]], *, enabled: bool = True):
        """Parts for an anonymous reader's GET; disabled for anyone signed in (see the module's docstring)."""
        anonymous = not freshness.signed_in(request)
        return cls(owner, scopes, enabled=enabled and anonymous and request.method in ("GET", "HEAD"))

    def key(self, name: str, *extra: object, shared: bool = False) -> str:
        # Worked out once an answer: a part is read where it is prefetched and again where it is used.
        memo = (name, extra, shared)
        if memo not in self._keys:
            scopes = self.scopes.get(name, freshness.ALL)
            owner = "" if shared else self.owner
            text = f"{owner}|{name}|{'|'.join(map(str, extra))}|{freshness.trusted(scopes)[0]}|{self.today}"
            self._keys[memo] = f"section:{hashlib.sha256(text.encode()).hexdigest()}"
        return self._keys[memo]

    def prefetch(self, *parts: str | tuple) -> None:
        """Fetch these parts (a name, or (name, *extra)) in one round trip."""
        if not self.enabled:
            return
        keys = [self.key(*(part if isinstance(part, tuple) else (part,))) for part in parts]
        self._found.update(freshness.kept_many([key for key in keys if key not in self._found]))

    def _get(self, key: str) -> Any:
        if key not in self._found:
            self._found[key] = freshness.kept(key, MISSING)
        return self._found[key]

    def _set(self, key: str, value: Any) -> None:
        self._found[key] = value
        freshness.keep(key, value)

    def data(self, name: str, build: Callable[[], Any], *extra: object, shared: bool = False) -> Any:
        """What `build()` returns, from the cache while the data it reads is unchanged. It must pickle. `shared`:
        the same for every page of its kind (the price sources), kept once for all, not for this page's object."""
        if not self.enabled:
            return build()
        key = self.key(name, *extra, shared=shared)
        value = self._get(key)
        if value is MISSING:
            value = build()
            self._set(key, value)
        return value

    def page(
        self, request, template_name: str, context: dict, *extra: object, reads: tuple = ()
    ) -> HttpResponse:
        """`render(request, template_name, context)`, from the page's skeleton kept like a section: only its holes
        (`{% hole %}`) are rendered for each answer. `extra`: what the page shows outside its holes that the key
        does not say (which host's prices it shows first); `reads`: the parts (as `prefetch` takes them) that
        building the skeleton reads, fetched in one round trip. A page with notices about its query string (shown
        outside the holes, in base.html) is rendered whole."""
        if not self.enabled or getattr(request, "param_notices", None):
            return render(request, template_name, context)
        page = loader.get_template(template_name)

        def skeleton() -> tuple[str, ...]:
            self.prefetch(*reads)
            # A mark no page holds: a random one, for this rendering only.
            mark = f"\x00{secrets.token_hex(8)}\x00"
            return tuple(page.render({**context, HOLE_MARK: mark}, request).split(mark))

        parts = self.data("page", skeleton, template_name, request.path, *extra)
        return HttpResponse(fill_holes(page, parts, context, request))


def fill_holes(page, parts: tuple[str, ...], context: dict, request) -> str:
    """The page whose skeleton is `parts` (the text around the holes, and between each two the name of the
    template the hole renders), its holes rendered in one context, as `{% include %}` would render them."""
    template = page.template
    hole_context = make_context(context, request, autoescape=template.engine.autoescape)
    rendered = list(parts)
    with hole_context.render_context.push_state(template), hole_context.bind_template(template):
        for index in range(1, len(parts), 2):
            with hole_context.push():
                rendered[index] = template.engine.get_template(parts[index]).render(hole_context)
    return "".join(rendered)
