"""Query-string parameters parsed with bounds, for pages.

A page names the parameters it reads in a `QueryParams` form. A value that cannot be read (not a number, out of
bounds, too many decimals, a NUL byte, a choice that does not exist) is left out, the page uses its default and
says so in `notices`: never an error page, never a 500. `canonical()` is the query string of the values read,
normalised (unknown parameters dropped, numbers in one spelling, lists sorted where order means nothing), so the
page cache keeps one entry however a URL is spelled (catalog.freshness.cached_page).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.forms.forms import DeclarativeFieldsMetaclass
from django.http import QueryDict

# No parameter value of the site is longer; a longer one is cut (text) or refused (anything else).
MAX_VALUE_LENGTH = 1_000


class TextParam(forms.CharField):
    """Free text such as a search: stripped and cut to `max_length` rather than refused (a pasted paragraph
    still searches). NUL bytes are refused by CharField's own validator."""

    def __init__(self, *, max_length: int, **kwargs):
        self.cut_at = max_length
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        return super().to_python(value)[: self.cut_at].strip()


class IntParam(forms.IntegerField):
    """A whole number within bounds; absent is no value, and so is empty unless `blank` is False (a form field
    the reader emptied)."""

    def __init__(self, *, min_value: int, max_value: int, blank: bool = True, **kwargs):
        self.blank = blank
        super().__init__(required=False, min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value == "" and not self.blank:
            raise ValidationError(self.error_messages["required"], code="required")
        if value and len(str(value)) > MAX_VALUE_LENGTH:
            raise ValidationError("Too long to be a number.", code="too_long")
        return super().to_python(value)


class DecimalParam(forms.DecimalField):
    """A finite decimal within bounds and with at most `decimal_places` significant decimals: `1e-999999` is
    refused before anything expands it, `0.50` and `5E-1` read as 0.5."""

    def __init__(self, *, min_value: Decimal, max_value: Decimal, decimal_places: int, **kwargs):
        self.places = decimal_places
        super().__init__(required=False, min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        if value and len(str(value)) > MAX_VALUE_LENGTH:
            raise ValidationError("Too long to be a number.", code="too_long")
        number = super().to_python(value)
        if number is None:
            return None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        number = number.normalize()
        if number.as_tuple().exponent < -self.places:
            raise ValidationError(f"At most {self.places} decimal places.", code="decimal_places")
        return number


class Picked(list):
    """The items of a list parameter that were read; `dropped` holds the others, for the notice."""

    dropped: list[str]


class ListParam(forms.Field):
    """A parameter given several times (`?lab=a&lab=b`, as checkboxes send it), or comma-separated with
    `separator`: each item is read by `item` (a field, or None to take it as it is), unknown ones dropped and
    named in the notice, duplicates kept once, at most `max_items`. Sorted unless `ordered` (for the models of
    /compare/, whose order is the columns' order)."""

    widget = forms.MultipleHiddenInput

    def __init__(
        self,
        item: forms.Field,
        *,
        max_items: int = 50,
        separator: str | None = None,
        ordered: bool = False,
        **kwargs,
    ):
        self.item, self.max_items, self.separator, self.ordered = item, max_items, separator, ordered
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> Picked:
        values = value or []
        if self.separator:
            values = [part for text in values for part in str(text).split(self.separator)]
        picked, dropped = Picked(), []
        for text in dict.fromkeys(str(v).strip() for v in values):
            if not text:
                continue
            try:
                picked.append(self.item.clean(text))
            except ValidationError:
                dropped.append(text[:40])
        picked = Picked(dict.fromkeys(picked))
        picked.dropped = dropped
        del picked[self.max_items :]
        if not self.ordered:
            picked.sort()
        return picked


def choice_item(choices: Iterable) -> forms.ChoiceField:
    """An item of a ListParam that must be one of `choices` (values, or (value, label) pairs)."""
    pairs = [c if isinstance(c, tuple) else (c, c) for c in choices]
    return forms.ChoiceField(choices=pairs)


class GivenParam(forms.Field):
    """A parameter kept as the request spells it, every value in order, for an endpoint that reads and checks its
    parameters itself (the API: ninja answers a value it cannot read with a 400). Its canonical query string then
    only drops the parameters the endpoint does not read and sorts the rest, so one cache entry never stands for
    two requests the endpoint would answer differently."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> list[str]:
        return list(value or [])


class _SharedFields(dict):
    """A form's fields that each of its instances uses as they are: copied, not deep-copied (see QueryParams)."""

    def __deepcopy__(self, memo) -> dict:
        return dict(self)


class _QueryParamsMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name, bases, attrs):
        new_class = super().__new__(mcs, name, bases, attrs)
        new_class.base_fields = _SharedFields(new_class.base_fields)
        return new_class


class QueryParams(forms.Form, metaclass=_QueryParamsMetaclass):
    """The parameters a page reads, from its query string. Bound whatever it is given; never invalid as a
    whole: a field in error is left out of `values` and named in `notices`.

    Its fields are shared by every instance, not deep-copied for each as a form's are (a fifth of reading a
    query string): a parameter's bounds and choices never come from the data, and nothing changes a field."""

    # Parameters whose errors the page marks itself (a form on the page): left out of `notices_shown`.
    shown_by_page: frozenset[str] = frozenset()

    def __init__(self, params: QueryDict):
        super().__init__(params)

    @cached_property
    def values(self) -> dict:
        """Every parameter that was given and read, in its cleaned form."""
        self.is_valid()
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if value not in (None, "", []) and name not in self.errors
        }

    @cached_property
    def notices(self) -> list[str]:
        """One line per parameter left out or item dropped, for the page to show."""
        self.is_valid()
        lines = [
            f"{name}: {' '.join(errors)} Given: {self._given(name)}." for name, errors in self.errors.items()
        ]
        for name, value in self.cleaned_data.items():
            for text in getattr(value, "dropped", []):
                lines.append(f"{name}: {text!r} is not a value this page knows; left out.")
        return [line if len(line) <= 200 else line[:199] + "…" for line in lines]

    def _given(self, name: str) -> str:
        """What the address said, short and quoted, so the reader sees which spelling was not read."""
        text = self.data.get(name, "")
        return repr(text if len(text) <= 40 else text[:39] + "…")

    @property
    def notices_shown(self) -> list[str]:
        """The notices for the site's notice area: those the page does not mark itself."""
        return [line for line in self.notices if line.split(":", 1)[0] not in self.shown_by_page]

    @property
    def in_error(self) -> bool:
        """Whether any value was left out: such a page shows what it left out, so it is not a canonical page."""
        return bool(self.notices)

    def canonical(self) -> QueryDict:
        """The values read, each spelled one way, as a query string: the same page, whatever the spelling."""
        query = QueryDict(mutable=True)
        for name in sorted(self.values):
            value = self.values[name]
            field = self.fields[name]
            if isinstance(field, GivenParam):
                query.setlist(name, value)
            elif isinstance(field, ListParam):
                texts = [spell(item) for item in value]
                if field.separator:
                    query[name] = field.separator.join(texts)
                else:
                    query.setlist(name, texts)
            else:
                query[name] = spell(value)
        query._mutable = False
        return query


def spell(value) -> str:
    """A value in its one spelling: a decimal without exponent or insignificant zeros."""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class NoParams(QueryParams):
    """A page that reads no parameter: every query string is the same page."""


def given(*names: str) -> type[QueryParams]:
    """The parameters `names`, each kept as given (GivenParam)."""
    return type(QueryParams)("GivenParams", (QueryParams,), {name: GivenParam() for name in names})
