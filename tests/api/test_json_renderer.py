"""The API's JSON renderer (orjson) writes the bytes DRF's own JSONRenderer writes."""

import datetime
import decimal
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from badges.models import Module
from badges_project.api.renderers import JSONRenderer

SAMPLES = {
    "a badge-like answer": {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "name": "Gold \u00e9t\u00e9 \u2603",
        "owners": [Module.LOYALTY, "JOURNEYS"],
        "issued_count": 12,
        "width": 24.0,
        "ratio": 0.1 + 0.2,
        "active": True,
        "group": None,
        "custom_fields": [{"value": {"nested": [1, 2.5, None]}}],
    },
    "instants and dates": {
        "at": datetime.datetime(2026, 11, 27, 10, 30, 15, 123456, tzinfo=datetime.UTC),
        "local": datetime.datetime(
            2026, 11, 27, 16, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))
        ),
        "naive": datetime.datetime(2026, 1, 2, 3, 4, 5),
        "day": datetime.date(2026, 2, 28),
        "time": datetime.time(23, 59, 59, 999999),
        "span": datetime.timedelta(days=2, seconds=5),
    },
    "decimals and lazy text": {"amount": decimal.Decimal("12.50"), "label": gettext_lazy("Name")},
    "line separators": {"text": "a\u2028b\u2029c", "\u2028key": 1},
    "control and quote characters": {"text": 'tab\tnew\nline "quoted" \\ \x01 \x7f'},
    "integer keys": {1: "one", 2: "two"},
    "an integer beyond 64 bits, echoed": {"limit": ["Not a valid limit: 2**70."], "v": 2**70},
    "a list at the top": [1, "two", None, [], {}],
    "an error": {"code": "IMAGE_TOO_LARGE", "errors": [{"field": "file", "message": "2 MB"}]},
}


@pytest.mark.parametrize("name", SAMPLES)
def test_the_bytes_are_drfs(name):
    assert JSONRenderer().render(SAMPLES[name]) == DRFJSONRenderer().render(SAMPLES[name])


def test_an_indented_answer_is_drfs_own():
    indented = JSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert indented == DRFJSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert b"\n" in indented


def test_what_drf_cannot_write_is_refused_too():
    with pytest.raises(TypeError):
        JSONRenderer().render({"a": object()})
    with pytest.raises(TypeError):
        DRFJSONRenderer().render({"a": object()})
