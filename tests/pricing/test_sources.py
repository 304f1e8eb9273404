from decimal import Decimal

from pricing.records import PriceRecord
from pricing.sources import litellm, models_dev
from tokenledger.sample_data import DATA_DIR


def test_litellm_per_token_prices_become_prices_per_million_tokens():
    entry = litellm.load(DATA_DIR / "litellm" / "model_prices_and_context_window.json")[
        "gpt-4o-audio-preview-2024-12-17"
    ]

    records = {r.component: r.price for r in litellm.price_records(entry)}

    assert records == {
        "input": Decimal("2.5"),
        "output": Decimal("10"),
        "audio_input": Decimal("40"),
        "audio_output": Decimal("80"),
    }


def test_litellm_tier_and_mode_suffixes_become_tiers_and_modes():
    entry = {
        "input_cost_per_token": 1.25e-06,
        "input_cost_per_token_above_200k_tokens": 2.5e-06,
        "output_cost_per_token_batches": 5e-06,
        "input_cost_per_token_priority": 2.5e-06,
        "input_cost_per_image": 0.001,
    }

    records = set(litellm.price_records(entry))

    assert records == {
        PriceRecord("input", Decimal("1.25")),
        PriceRecord("input", Decimal("2.5"), tier="prompt>200000"),
        PriceRecord("output", Decimal("5"), mode="batch"),
        PriceRecord("input", Decimal("2.5"), mode="priority"),
        PriceRecord("image_input", Decimal("0.001"), unit="per_image"),
    }


def test_models_dev_tiers_and_fast_mode_are_kept(real_api_json):
    entry = real_api_json["openai"]["models"]["gpt-5.4"]

    records = {(r.component, r.tier, r.mode): r.price for r in models_dev.price_records(entry)}

    assert records[("input", "", "standard")] == Decimal("2.5")
    assert records[("input", "prompt>272000", "standard")] == Decimal("5")
    assert records[("output", "", "fast")] == Decimal("30")


def test_models_dev_legacy_names_mean_the_same_component():
    legacy = {"cost": {"input": 0.27, "output": 1.1, "inputCached": 0.07}}
    current = {"cost": {"input": 0.27, "output": 1.1, "cache_read": 0.07}}

    assert models_dev.price_records(legacy) == models_dev.price_records(current)


def test_binary_float_artefacts_in_a_feed_read_as_the_price_they_stand_for():
    records = models_dev.price_records({"cost": {"input": 0.049999999999999996, "output": 3}})

    assert [r.price for r in records] == [Decimal("0.05"), Decimal("3")]
