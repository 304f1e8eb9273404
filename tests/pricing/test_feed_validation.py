"""A malformed feed entry is rejected with a one-line reason naming its field, and the rest of the feed proceeds;
only a feed unreadable as a whole is refused, with nothing written. Each case takes real entries of a real feed
(../shared/data), corrupts one, and checks the reason, the ledger and that the pages still answer."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import Model, Offering
from pricing.feedjson import MAX_DEPTH, decode, read_file
from pricing.fetch import MAX_FEED_BYTES
from pricing.models import PricePeriod, SourcePeriod, SyncRun
from pricing.runs import run_sync
from pricing.sources.base import FeedError, InvalidPrice, checked_price

pytestmark = pytest.mark.django_db

WEEK_1 = (timezone.now() - dt.timedelta(days=14)).replace(hour=0, minute=0, second=0, microsecond=0)
WEEK_2 = WEEK_1 + dt.timedelta(days=7)
KEPT, CORRUPTED, ADDED = "gpt-4o-mini", "gpt-4o", "o3"  # real OpenAI entries in every feed


@dataclass(frozen=True)
class Raw:
    """A JSON number written as is (json.dumps would never write 1e999999999)."""

    text: str


def dumps(data: Any) -> str:
    text = json.dumps(data, default=lambda raw: f"@raw:{raw.text}@")
    for marker in {part.split("@", 1)[0] for part in text.split('"@raw:')[1:]}:
        text = text.replace(f'"@raw:{marker}@"', marker)
    # A key written "<key>#twice" is written again as <key>: the object gives it twice.
    return text.replace('#twice"', '"')


@dataclass(frozen=True)
class Format:
    """How one source writes its entries, read from its real feed."""

    slug: str
    path: str
    host: str

    def entries(self, shared: Path) -> dict[str, dict[str, Any]]:
        data = json.loads((shared / self.path).read_text())
        if self.slug == "litellm":
            return {i: data[i] for i in (KEPT, CORRUPTED, ADDED)}
        if self.slug == "models_dev":
            return {i: data["openai"]["models"][i] for i in (KEPT, CORRUPTED, ADDED)}
        if self.slug == "openrouter":
            items = {item["id"]: item for item in data["data"]}
            return {i: items[f"openai/{i}"] for i in (KEPT, CORRUPTED, ADDED)}
        if self.slug == "genai_prices":
            models = {m["id"]: m for m in next(p for p in data if p["id"] == "openai")["models"]}
            return {i: models[i] for i in (KEPT, CORRUPTED, ADDED)}
        rows = {(r["vendor"], r["id"]): r for r in data["prices"]}
        return {i: rows[("openai", i)] for i in (KEPT, CORRUPTED, ADDED)}

    def feed(self, entries: dict[str, dict[str, Any]]) -> Any:
        if self.slug == "litellm":
            return entries
        if self.slug == "models_dev":
            return {"openai": {"id": "openai", "name": "OpenAI", "models": entries}}
        if self.slug == "openrouter":
            return {"data": list(entries.values())}
        if self.slug == "genai_prices":
            return [{"id": "openai", "name": "OpenAI", "models": list(entries.values())}]
        return {"prices": list(entries.values())}

    def source_id(self, model_id: str) -> str:
        return model_id if self.slug == "litellm" else f"openai/{model_id}"

    def with_id(self, entry: dict[str, Any], new_id: str) -> dict[str, Any]:
        """The entry under another id (LiteLLM and models.dev key entries by id)."""
        return {**entry, "id": f"openai/{new_id}" if self.slug == "openrouter" else new_id}

    def cheaper(self, entry: dict[str, Any]) -> None:
        """The entry's input price cut by a fifth: a change the sync records."""
        *parents, key = {
            "litellm": ["input_cost_per_token"],
            "models_dev": ["cost", "input"],
            "openrouter": ["pricing", "prompt"],
            "genai_prices": ["prices", "input_mtok"],
            "llm_prices": ["input"],
        }[self.slug]
        for parent in parents:
            entry = entry[parent]
            if isinstance(entry, list):  # genai-prices' dated variants: the latest one is in force
                entry = entry[-1]["prices"]
        entry[key] = type(entry[key])(Decimal(str(entry[key])) * Decimal("0.8"))

    def listing(self, model_id: str) -> tuple[str, str]:
        return (self.host, f"openai/{model_id}" if self.slug == "openrouter" else model_id)


FORMATS = {
    f.slug: f
    for f in (
        Format("litellm", "feeds/litellm/latest/model_prices_and_context_window.json", "openai"),
        Format("models_dev", "models-dev-api.json", "openai"),
        Format("openrouter", "feeds/openrouter/models.json", "openrouter"),
        Format("genai_prices", "feeds/genai-prices/v2/data.json", "openai"),
        Format("llm_prices", "feeds/llm-prices/current-v1.json", "openai"),
    )
}
LONG_ID = "gpt-" + "x" * 250


def set_path(entry: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        entry = entry.setdefault(key, {})
    entry[last] = value


# (source, what is done to gpt-4o: {field path: value}, or a new id for an extra entry; the reason it is given)
CASES = [
    ("litellm", {"input_cost_per_token": Raw("1e999999999")}, "input_cost_per_token: 1E+999999999 is absurd"),
    (
        "litellm",
        {"input_cost_per_token": Raw("1e-999999999")},
        "input_cost_per_token: 1E-999999999 is implau",
    ),
    ("litellm", {"max_input_tokens": "abc"}, "max_input_tokens: 'abc' is not a whole number"),
    ("litellm", {"max_input_tokens": Raw("1e20")}, "max_input_tokens: 1E+20 is over 100,000,000 tokens"),
    ("litellm", {"max_output_tokens": -5}, "max_output_tokens: -5 is negative"),
    ("litellm", {"max_output_tokens": 1.5}, "max_output_tokens: 1.5 is not a whole number"),
    ("litellm", {"mode": ["chat"]}, "mode: ['chat'] is not text"),
    ("litellm", {"deprecation_date": {"on": "2027"}}, "deprecation_date: {'on': '2027'} is not text"),
    ("litellm", {"supports_vision": "yes"}, "supports_vision: 'yes' is not true or false"),
    ("litellm", {"max_input_tokens#twice": 5}, "max_input_tokens: given twice"),
    ("litellm", {"source": "https://example.com/\x00"}, "source: contains a NUL character"),
    ("litellm", {"input_cost_per_token_above_99999999999k_tokens": 5e-06}, "is not a number of tokens"),
    ("litellm", LONG_ID, "id: 'gpt-xxx"),
    ("litellm", "gpt-4o\x00", "id: 'gpt-4o\\x00' contains a control character"),
    (
        "models_dev",
        {"experimental.modes.batch": "cheap"},
        "experimental.modes.batch: 'cheap' is not an object",
    ),
    ("models_dev", {"limit.context": Raw("1e20")}, "limit.context: 1E+20 is over 100,000,000 tokens"),
    ("models_dev", {"limit.output": "abc"}, "limit.output: 'abc' is not a whole number"),
    ("models_dev", {"name": ["GPT-4o"]}, "name: ['GPT-4o'] is not text"),
    ("models_dev", {"name": "GPT\x004o"}, "name: contains a NUL character"),
    ("models_dev", {"knowledge": "2023-10-01 or so"}, "knowledge: '2023-10-01 or so' is 16 characters long"),
    ("models_dev", {"modalities.input": "text"}, "modalities.input: 'text' is not a list"),
    ("models_dev", {"cost.tiers": [{"tier": {"size": -5}, "input": 5}]}, "cost.tiers.0.tier.size: -5 is neg"),
    ("models_dev", {"cost.input": Raw("1e999999999")}, "input: 1E+999999999 is absurd"),
    ("models_dev", LONG_ID, "id: 'gpt-xxx"),
    ("openrouter", {"pricing": [1]}, "pricing: [1] is not an object"),
    ("openrouter", {"pricing.prompt": "1e999999999"}, "pricing.prompt: '1e999999999' is absurd"),
    ("openrouter", {"context_length": "abc"}, "context_length: 'abc' is not a whole number"),
    ("openrouter", {"name": ["x"]}, "name: ['x'] is not text"),
    ("openrouter", {"architecture": "text->text"}, "architecture: 'text->text' is not an object"),
    (
        "openrouter",
        {"pricing.overrides": [{"min_prompt_tokens": Raw("1e20"), "prompt": "0.000005"}]},
        "not a numb",
    ),
    ("openrouter", LONG_ID, "id: 'openai/gpt-xxx"),
    ("openrouter", "gpt\x00-4o", "id: contains a NUL character"),
    ("openrouter", "gpt\x07-4o", "id: 'openai/gpt\\x07-4o' contains a control character"),
    ("genai_prices", {"context_window": "abc"}, "context_window: 'abc' is not a whole number"),
    ("genai_prices", {"name": "gpt\x004o"}, "name: contains a NUL character"),
    ("genai_prices", {"prices.input_mtok": Raw("1e999999999")}, "input_mtok: 1E+999999999 is absurd"),
    (
        "genai_prices",
        {"prices.output_mtok": {"base": 10, "tiers": [{"start": Raw("1e20"), "price": 20}]}},
        "start",
    ),
    ("genai_prices", LONG_ID, "id: 'gpt-xxx"),
    ("llm_prices", {"name": ["GPT-4o"]}, "name: ['GPT-4o'] is not text"),
    ("llm_prices", {"input": Raw("1e999999999")}, "input: 1E+999999999 is absurd"),
    ("llm_prices", {"input": "two dollars"}, "input: 'two dollars' is not a number"),
    ("llm_prices", LONG_ID, "id: 'gpt-xxx"),
]


def ledger(*listings: tuple[str, str]) -> tuple[list, list]:
    """The published and source periods of these listings (host, host model id)."""
    offerings = [
        pk
        for host, model_id in listings
        for pk in Offering.objects.filter(host__slug=host, host_model_id=model_id).values_list(
            "pk", flat=True
        )
    ]
    assert offerings, "the listings were recorded"
    published = PricePeriod.objects.filter(offering__in=offerings).values_list(
        "offering_id", "component", "tier", "mode", "price", "valid_from", "valid_to", "source_id"
    )
    own = SourcePeriod.objects.filter(offering__in=offerings).values_list(
        "offering_id",
        "component",
        "tier",
        "mode",
        "price",
        "valid_from",
        "valid_to",
        "missing_since",
        "review",
    )
    return sorted(published, key=str), sorted(own, key=str)


def assert_pages_answer(client) -> None:
    model = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    for url in (
        "/models/",
        model.get_absolute_url(),
        "/api/v1/models/",
        "/api/v1/models/?lab=openai&limit=200",
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(("slug", "corruption", "reason"), CASES, ids=[f"{c[0]}-{c[2][:40]}" for c in CASES])
def test_a_malformed_entry_is_rejected_with_its_reason_and_the_rest_of_the_feed_is_recorded(
    slug, corruption, reason, sample_data, shared_data, tmp_path, client
):
    source = FORMATS[slug]
    real = source.entries(shared_data)
    week_1 = tmp_path / "week1.json"
    week_1.write_text(dumps(source.feed({KEPT: real[KEPT], CORRUPTED: real[CORRUPTED]})))
    run_sync(slug, file=week_1, observed_at=WEEK_1)
    before = ledger(source.listing(CORRUPTED), source.listing(KEPT))

    entries = copy.deepcopy(real)
    source.cheaper(entries[ADDED])
    if isinstance(corruption, str):  # an entry with a bad id beside the real ones
        bad_id = corruption
        entries[corruption] = source.with_id(real[CORRUPTED], corruption)
    else:
        bad_id = CORRUPTED
        for path, value in corruption.items():
            set_path(entries[CORRUPTED], path, value)
    week_2 = tmp_path / "week2.json"
    week_2.write_text(dumps(source.feed(entries)))
    run, report = run_sync(slug, file=week_2, observed_at=WEEK_2)

    rejected = {r.source_id: r.reason for r in report.rejections}
    reasons = [r for r in rejected.values() if reason in r]
    assert reasons, rejected
    assert len(reasons[0]) < 200 and "\n" not in reasons[0], "a one-line reason"
    assert run.status == "succeeded" and {
        "id": next(iter(rejected)),
        "reason": rejected[next(iter(rejected))],
    } in (run.rejections)
    if bad_id != CORRUPTED:
        ids = set(Offering.objects.values_list("host_model_id", flat=True))
        assert not {bad_id, source.listing(bad_id)[1]} & ids, "the entry with a bad id is not recorded"
    assert ledger(source.listing(CORRUPTED), source.listing(KEPT)) == before, "its prices stay as they were"
    added = SourcePeriod.objects.filter(
        source__slug=slug, offering__host__slug=source.listing(ADDED)[0]
    ).filter(offering__host_model_id=source.listing(ADDED)[1])
    assert added.filter(observed_at=WEEK_2).exists(), "the other entries of the feed are recorded"
    assert_pages_answer(client)


def test_an_entry_whose_host_cannot_be_read_is_rejected_and_only_marked_missing(
    sample_data, shared_data, tmp_path
):
    """LiteLLM names the host in `litellm_provider`: unreadable, the entry's listing is unknown, so its prices are
    only marked missing (closed only if it stays unreadable past the grace), never changed."""
    real = FORMATS["litellm"].entries(shared_data)
    path = tmp_path / "feed.json"
    path.write_text(dumps(real))
    run_sync("litellm", file=path, observed_at=WEEK_1)
    published, own = ledger(FORMATS["litellm"].listing(CORRUPTED))

    path.write_text(dumps({**real, CORRUPTED: {**real[CORRUPTED], "litellm_provider": ["openai"]}}))
    _, report = run_sync("litellm", file=path, observed_at=WEEK_2)

    assert [r.reason for r in report.rejections] == ["litellm_provider: ['openai'] is not text"]
    assert ledger(FORMATS["litellm"].listing(CORRUPTED))[0] == published
    after = ledger(FORMATS["litellm"].listing(CORRUPTED))[1]
    assert [(*row[:7], row[8]) for row in after] == [(*row[:7], row[8]) for row in own], "only marked missing"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 10_000 + "]" * 10_000, f"nests deeper than the {MAX_DEPTH} levels a price feed needs"),
        ('{"a": ' * 40 + "1" + "}" * 40, "nests deeper than the 32 levels"),
        ("[[]" * 40 + "]" * 40, "nests deeper than the 32 levels"),
        ('["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]', "is a JSON object"),
        ("{not json", "is not valid JSON"),
        ("", "is not valid JSON"),
        ('["a", "list"]', "is a JSON object"),
        ("\xff\xfe", "is not UTF-8 text: invalid start byte at byte 0"),
    ],
    ids=[
        "very-deep",
        "deep",
        "deep-stairs",
        "brackets-in-a-string",
        "not-json",
        "empty",
        "wrong-shape",
        "not-utf8",
    ],
)
def test_a_feed_unreadable_as_a_whole_is_refused_with_one_line_and_nothing_is_written(
    sample_data, tmp_path, text, message
):
    before = (PricePeriod.objects.count(), SourcePeriod.objects.count(), Model.objects.count())
    path = tmp_path / "feed.json"
    path.write_bytes(text.encode("latin-1") if text.startswith("\xff") else text.encode())

    with pytest.raises(CommandError, match=message) as raised:
        call_command(
            "sync_prices", "--source", "litellm", "--file", str(path), "--as-of", f"{WEEK_2:%Y-%m-%d}"
        )

    assert "\n" not in str(raised.value) and len(str(raised.value)) < 300
    assert (PricePeriod.objects.count(), SourcePeriod.objects.count(), Model.objects.count()) == before
    assert SyncRun.objects.latest("started_at").status == "failed"


def test_an_entry_given_twice_is_rejected_rather_than_silently_keeping_the_last(
    sample_data, shared_data, tmp_path
):
    real = FORMATS["litellm"].entries(shared_data)
    text = (
        dumps({KEPT: real[KEPT]})[:-1]
        + f', "{KEPT}": '
        + dumps({**real[KEPT], "input_cost_per_token": 1e-05})
    )
    path = tmp_path / "feed.json"
    path.write_text(text + "}")

    before = ledger(FORMATS["litellm"].listing(KEPT))
    _, report = run_sync("litellm", file=path, observed_at=WEEK_2)

    assert [(r.source_id, r.reason) for r in report.rejections] == [
        (KEPT, "id: given twice in the feed, and which entry is meant is unclear")
    ]
    assert ledger(FORMATS["litellm"].listing(KEPT)) == before


def test_a_file_over_the_fetch_limit_is_refused_before_it_is_read(sample_data, tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(60 * 1024 * 1024)  # 60 MB, sparse: nothing to read is the point

    # "is N bytes" is said only of a file refused by its size before any of it is read (one read past the limit
    # says "is over the limit"): the message shows it, where a time taken would depend on the machine.
    with pytest.raises(CommandError, match=f"is 62,914,560 bytes, over the {MAX_FEED_BYTES:,}-byte limit"):
        call_command("sync_prices", "--source", "litellm", "--file", str(path), "--dry-run")


def test_a_file_is_read_up_to_the_limit_and_no_further(tmp_path):
    path = tmp_path / "feed.json"
    path.write_text('{"a": "' + "x" * 200 + '"}')

    with pytest.raises(FeedError, match="over the 100-byte limit"):
        read_file(path, max_bytes=100)
    assert read_file(path, max_bytes=1000) == {"a": "x" * 200}


def test_a_missing_file_or_a_directory_is_a_clear_error(tmp_path):
    with pytest.raises(FeedError, match="no such file"):
        read_file(tmp_path / "nothing.json", max_bytes=1000)
    with pytest.raises(FeedError, match="is a directory"):
        read_file(tmp_path, max_bytes=1000)


def test_huge_numbers_are_read_without_being_expanded():
    data = decode(b'{"a": 1e999999999, "b": -1e-999999999, "c": ' + b"7" * 5000 + b"}", "t.json")

    # Kept as Decimals with their exponents, never expanded into a billion digits (which would not end soon).
    assert data["a"] == Decimal("1e999999999") and data["a"].as_tuple().exponent == 999_999_999
    assert data["b"].as_tuple().exponent == -999_999_999
    assert isinstance(data["c"], Decimal), "an integer too long for int() is read as a Decimal"
    for value in data.values():
        with pytest.raises(InvalidPrice):
            checked_price(value, scale=Decimal(1_000_000))


@pytest.mark.parametrize("url_length", [501, 5000])
def test_a_url_longer_than_a_sync_run_records_is_refused(db, url_length):
    url = "http://127.0.0.1:9/"
    url += "a" * (url_length - len(url))

    with pytest.raises(
        CommandError, match=f"--url is {url_length:,} characters long; the longest we record is 500"
    ):
        call_command("sync_prices", "--source", "litellm", "--url", url)

    assert not SyncRun.objects.exists()


def test_a_date_in_the_future_is_refused(db, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text("{}")

    with pytest.raises(CommandError, match="--as-of 2099-01-01 is in the future"):
        call_command("sync_prices", "--source", "litellm", "--file", str(path), "--as-of", "2099-01-01")

    assert not SyncRun.objects.exists()


def test_a_date_before_the_latest_observation_is_refused_with_one_line(sample_data, shared_data, tmp_path):
    real = FORMATS["litellm"].entries(shared_data)
    path = tmp_path / "feed.json"
    path.write_text(dumps(real))
    call_command("sync_prices", "--source", "litellm", "--file", str(path), "--as-of", f"{WEEK_2:%Y-%m-%d}")
    before = (PricePeriod.objects.count(), SourcePeriod.objects.count())
    path.write_text(
        dumps({k: {**v, "input_cost_per_token": v["input_cost_per_token"] / 2} for k, v in real.items()})
    )

    with pytest.raises(
        CommandError, match=f"--as-of {WEEK_1:%Y-%m-%d} is before LiteLLM price table's latest"
    ):
        call_command(
            "sync_prices", "--source", "litellm", "--file", str(path), "--as-of", f"{WEEK_1:%Y-%m-%d}"
        )

    assert (PricePeriod.objects.count(), SourcePeriod.objects.count()) == before
    # The same date again is not out of order: a feed synced twice writes nothing the second time.
    call_command("sync_prices", "--source", "litellm", "--file", str(path), "--as-of", f"{WEEK_2:%Y-%m-%d}")
