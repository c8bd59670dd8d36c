"""A custom field value typed into a page is read as JSON would give it: an integer only as
JSON writes one, so that the pages take what the API takes and nothing more."""

import pytest

from customfields.values import from_text


@pytest.mark.parametrize("text, value", [("42", 42), ("-7", -7), ("0", 0), (" 12 ", 12)])
def test_an_integer_as_json_writes_it_is_a_number(text, value):
    assert from_text("INTEGER", text) == value


@pytest.mark.parametrize("text", ["+5", "1_000", "\u0663", "007", "1.0", "1e3", ""])
def test_anything_else_is_passed_on_as_text_for_the_service_to_refuse(text):
    assert from_text("INTEGER", text) == text.strip()
