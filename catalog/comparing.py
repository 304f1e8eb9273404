"""What /compare/ is asked for: the models (from browse's checkboxes, the picker or a shared address) and the
reader's workload, a form whose bad values are errors the page shows, never silently replaced."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from catalog.browse import CatalogQuery, model_key_item
from catalog.models import Model
from pricing.queries import Conversation, Workload
from tokenledger.params import IntParam, ListParam, QueryParams, TextParam

MAX_COMPARED = 4
CANDIDATES_SHOWN = 8


def picked_keys(params: QueryDict) -> list[str]:
    """The "<lab>/<model>" keys asked for, in order and each once: ?models=a/b,c/d and ?models=a/b&models=c/d
    alike (browse's checkboxes send the second)."""
    keys = (key.strip() for value in params.getlist("models") for key in value.split(","))
    return list(dict.fromkeys(key for key in keys if key))[:50]


class WorkloadForm(forms.Form):
    """Tokens per request, cache hit rate and requests per day, each within sane bounds."""

    input_tokens = forms.IntegerField(
        label="Input tokens per request", min_value=0, max_value=Conversation.MAX_TOKENS
    )
    output_tokens = forms.IntegerField(
        label="Output tokens per request", min_value=0, max_value=Conversation.MAX_TOKENS
    )
    cache_hit = forms.IntegerField(label="Cache hit rate, % of input", min_value=0, max_value=100)
    requests_per_day = forms.IntegerField(label="Requests per day", min_value=0, max_value=100_000_000)

    FIELD_OF = {"cache_hit": "cache_hit_percent"}  # form field → Workload field, where they differ

    @classmethod
    def from_query(cls, params: QueryDict) -> WorkloadForm:
        """Bound to the query string where it gives any workload value (the others keep their defaults), so a bad
        value is marked; unbound, showing the defaults, where it gives none."""
        defaults = cls.defaults()
        given = {name: params[name] for name in cls.base_fields if name in params}
        if not given:
            return cls(initial=defaults)
        return cls({**{name: str(value) for name, value in defaults.items()}, **given})

    @classmethod
    def defaults(cls) -> dict[str, int]:
        workload = Workload.default()
        return {name: getattr(workload, cls.FIELD_OF.get(name, name)) for name in cls.base_fields}

    def workload(self) -> Workload:
        """The workload priced: the reader's valid values, the defaults in place of any in error (marked)."""
        values = self.defaults()
        if self.is_bound:
            self.is_valid()  # cleaned_data then holds the fields without an error
            values.update(self.cleaned_data)
        return Workload(**{self.FIELD_OF.get(name, name): value for name, value in values.items()})

    def query(self) -> dict[str, str]:
        """The workload as the reader typed it, for links that keep it (nothing when it is the default)."""
        return (
            {name: self.data[name] for name in self.base_fields if name in self.data} if self.is_bound else {}
        )


class CompareParams(QueryParams):
    """Every parameter of /compare/: the models in the order asked, the picker's search, the workload (whose
    errors the workload form marks on the page)."""

    models = ListParam(model_key_item(), separator=",", ordered=True)
    find = TextParam(max_length=100)
    shown_by_page = frozenset(WorkloadForm.base_fields)


# The workload's parameters, with the bounds of the form that shows them.
CompareParams.base_fields.update(
    {
        name: IntParam(min_value=field.min_value, max_value=field.max_value, blank=False)
        for name, field in WorkloadForm.base_fields.items()
    }
)


def compare_url(keys: list[str], workload: dict[str, str]) -> str:
    """The query string of /compare/ for these models and this workload."""
    params = {"models": ",".join(keys), **workload} if keys else dict(workload)
    return f"?{urlencode(params, safe='/,')}" if params else "?"


def candidates(text: str, *, leaving_out: list[Model]) -> list[Model]:
    """Models matching the picker's search, as browse finds and orders them, leaving out those already chosen.
    One query."""
    if not text:
        return []
    found = CatalogQuery.from_query(QueryDict(urlencode({"q": text}))).models()
    return list(found.exclude(pk__in=[model.pk for model in leaving_out])[:CANDIDATES_SHOWN])
