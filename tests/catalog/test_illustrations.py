"""Illustrations uploaded in the admin: resized, stored as WebP, never without alt text; bad files refused."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.markdown import render_markdown
from catalog.models import Illustration, Profile, ProfileRevision

pytestmark = pytest.mark.django_db

ADD = reverse("admin:catalog_illustration_add")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(width: int, height: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (37, 99, 235)).save(buffer, format="PNG")
    return SimpleUploadedFile("chart.png", buffer.getvalue(), content_type="image/png")


def test_an_upload_is_resized_to_1600_pixels_and_stored_as_webp(admin_client, admin_user):
    response = admin_client.post(
        ADD, {"image": png(3200, 2000), "alt_text": "Price per 1M tokens by lab", "caption": "Prices"}
    )

    assert response.status_code == 302
    illustration = Illustration.objects.get()
    assert (illustration.width, illustration.height) == (1600, 1000)
    assert illustration.image.name.endswith(".webp") and illustration.uploaded_by == admin_user
    with Image.open(illustration.image.path) as stored:
        assert (stored.format, stored.size) == ("WEBP", (1600, 1000))
    assert illustration.markdown == f'![Price per 1M tokens by lab]({illustration.image.url} "Prices")'
    html = render_markdown(illustration.markdown)
    assert f'src="{illustration.image.url}"' in html and 'alt="Price per 1M tokens by lab"' in html
    assert "<figcaption>Prices</figcaption>" in html


def test_an_illustration_without_alt_text_is_refused(admin_client):
    response = admin_client.post(ADD, {"image": png(400, 300), "alt_text": ""})

    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Illustration.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "evil.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
        ),
        ("notes.png", b"this is text, not an image"),
        ("truncated.png", png(50, 50).read()[:60]),
    ],
)
def test_a_file_that_is_not_a_raster_image_is_refused_with_a_reason(admin_client, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/png")

    response = admin_client.post(ADD, {"image": upload, "alt_text": "Something"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "not an image we can read" in page or "Upload a valid image" in page
    assert not Illustration.objects.exists()


def test_an_article_image_without_alt_text_is_refused_in_a_revision(sample_data, admin_client):
    profile = Profile.objects.get(model__lab__slug="openai", model__slug="gpt-4o")
    add = reverse("admin:catalog_profilerevision_add")

    response = admin_client.post(
        add, {"profile": profile.pk, "tagline": "x", "article": "Look: ![](/media/a.webp)"}
    )

    assert "Every image needs alt text" in response.content.decode()
    assert not ProfileRevision.objects.filter(tagline="x").exists()
