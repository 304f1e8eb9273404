import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Model, Offering, Provider
from tests.fixtures import trim_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_json_file(tmp_path, real_api_json):
    path = tmp_path / "api.json"
    path.write_text(json.dumps(trim_catalogue(real_api_json), default=str))
    return path


def run_import(path) -> str:
    out = StringIO()
    call_command("import_catalog", file=path, stdout=out)
    return out.getvalue()


def test_it_imports_providers_models_and_offerings_from_a_models_dev_file(api_json_file):
    output = run_import(api_json_file)

    gpt_4o = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    assert gpt_4o.name == "GPT-4o"
    assert gpt_4o.context_window == 128_000
    assert gpt_4o.max_output_tokens == 16_384
    assert gpt_4o.knowledge_cutoff == "2023-09"
    assert str(gpt_4o.release_date) == "2024-05-13"
    assert gpt_4o.input_modalities == ["text", "image", "pdf"]
    assert gpt_4o.supports_vision and gpt_4o.supports_tools and not gpt_4o.open_weights
    assert Provider.objects.get(slug="openai").country == "United States"
    assert "Imported" in output


def test_a_hosts_entry_with_base_model_is_an_offering_of_the_labs_model(api_json_file):
    run_import(api_json_file)

    hosts = set(
        Offering.objects.filter(model__lab__slug="openai", model__slug="gpt-4o").values_list(
            "host__slug", "host_model_id"
        )
    )
    assert {("openai", "gpt-4o"), ("azure", "gpt-4o"), ("openrouter", "openai/gpt-4o")} <= hosts
    assert not Model.objects.filter(lab__slug="openrouter", slug="openai-gpt-4o").exists()


def test_a_hosts_entry_without_base_model_is_filed_under_the_lab_its_id_names(tmp_path, real_api_json):
    data = {"openrouter": dict(real_api_json["openrouter"])}
    data["openrouter"]["models"] = {
        model_id: entry
        for model_id, entry in real_api_json["openrouter"]["models"].items()
        if "base_model" not in entry
    }
    assert "ai21/jamba-large-1.7" in data["openrouter"]["models"], "the real file lists it without base_model"
    path = tmp_path / "api.json"
    path.write_text(json.dumps(data, default=str))

    run_import(path)

    offering = Offering.objects.select_related("model__lab").get(
        host__slug="openrouter", host_model_id="ai21/jamba-large-1.7"
    )
    assert (offering.model.lab.slug, offering.model.slug) == ("ai21", "jamba-large-1.7")
    assert offering.model.lab.is_lab and offering.model.lab.name == "AI21 Labs"
    # OpenRouter is the lab only of what it makes: its own routers.
    own = Model.objects.filter(lab__slug="openrouter").values_list("slug", flat=True)
    assert own and all(slug.startswith("openrouter-") or "auto" in slug or "free" in slug for slug in own), (
        list(own)
    )


def test_a_second_import_changes_nothing_and_says_so(api_json_file):
    run_import(api_json_file)
    before = list(Model.objects.order_by("pk").values())

    output = run_import(api_json_file)

    assert "Nothing changed" in output
    assert "0 new, 0 updated" in output
    assert list(Model.objects.order_by("pk").values()) == before


def test_a_changed_fact_is_updated_in_place(api_json_file, real_api_json):
    run_import(api_json_file)
    data = json.loads(api_json_file.read_text())
    data["openai"]["models"]["gpt-4o"]["limit"]["context"] = 256000
    api_json_file.write_text(json.dumps(data))

    output = run_import(api_json_file)

    assert Model.objects.get(lab__slug="openai", slug="gpt-4o").context_window == 256_000
    assert "Models:    0 new, 1 updated" in output


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "is not valid JSON"), ('{"openai": {"name": "OpenAI"}}', "is not a models.dev api.json")],
)
def test_a_malformed_file_is_refused_with_a_clear_error_and_writes_nothing(tmp_path, content, message):
    path = tmp_path / "api.json"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        run_import(path)
    assert not Provider.objects.exists()


def test_a_missing_file_is_named_in_the_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run_import(tmp_path / "missing.json")


def test_a_model_that_does_not_fit_the_schema_is_left_out_with_its_reason(tmp_path, real_api_json):
    data = trim_catalogue(real_api_json)
    data["openai"]["models"]["gpt-4o"]["limit"]["context"] = "abc"
    data["openai"]["models"]["gpt-4o-mini"]["name"] = "x" * 300
    path = tmp_path / "api.json"
    path.write_text(json.dumps(data, default=str))
    errors = StringIO()

    call_command("import_catalog", file=path, stdout=StringIO(), stderr=errors)

    assert "Left out openai/gpt-4o: limit.context: 'abc' is not a whole number" in errors.getvalue()
    assert "Left out openai/gpt-4o-mini: name: 'xxx" in errors.getvalue()
    assert not Offering.objects.filter(
        host__slug="openai", host_model_id__in=["gpt-4o", "gpt-4o-mini"]
    ).exists()
    assert Offering.objects.filter(host__slug="openai", host_model_id="o3").exists(), "the rest is imported"
