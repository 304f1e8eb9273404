"""What a reader sees of names and headers: names as their makers write them, a provider's facts apart."""

from playwright.sync_api import expect

COMPARE = "/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5"


def test_model_and_lab_names_are_never_upper_cased(live_server, live_sample_data, page):
    page.goto(f"{live_server.url}{COMPARE}")
    heads = page.locator("table.compare thead th")
    expect(heads.nth(1)).to_contain_text("GPT-4o")
    assert "GPT-4o" in heads.nth(1).inner_text()  # inner_text applies CSS text-transform; "GPT-4O" fails

    page.goto(f"{live_server.url}/models/openai/gpt-4o/")
    assert page.locator(".eyebrow").first.inner_text() == "OpenAI"


def test_a_providers_long_docs_link_stays_in_its_cell_on_a_phone(live_server, live_sample_data, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/models/openai/")

    boxes = [item.bounding_box() for item in page.locator(".facts > div").all()]
    assert len(boxes) >= 3
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["width"] <= b["x"] + 0.5
                or b["x"] + b["width"] <= a["x"] + 0.5
                or a["y"] + a["height"] <= b["y"] + 0.5
                or b["y"] + b["height"] <= a["y"] + 0.5
            )
            assert apart, (a, b)
    for link in page.locator(".facts dd a").all():
        box, cell = link.bounding_box(), link.locator("xpath=ancestor::div[1]").bounding_box()
        assert box["x"] + box["width"] <= cell["x"] + cell["width"] + 0.5
