"""A rule's condition over an event's payload (SPEC 12, 17): seven operators, numbers compared
as decimals, a missing field a non-match with its reason."""

import pytest

from badges.events.conditions import (
    Condition,
    condition_problem,
    condition_read,
    evaluate,
    field_read,
    number,
)


def seen(op, value, payload, field="amount"):
    return evaluate(Condition(field, op, value), payload)


@pytest.mark.parametrize(
    ("op", "value", "amount", "matched"),
    [
        ("gte", 500, 500, True),
        ("gte", 500, 499.99, False),
        ("gt", 500, 500, False),
        ("gt", 500, 500.01, True),
        ("lte", 500, 500, True),
        ("lte", 500, 500.01, False),
        ("lt", 500, 500, False),
        ("lt", 500, 499.99, True),
        ("eq", 500, 500, True),
        ("eq", 500, 501, False),
        ("ne", 500, 500, False),
        ("ne", 500, 501, True),
    ],
)
def test_each_operator_on_both_sides_of_its_boundary(op, value, amount, matched):
    assert seen(op, value, {"amount": amount}).matched is matched


def test_numbers_compare_as_decimals_not_floats():
    # 0.1 + 0.2 is not 0.3 in binary floating point; as decimals written in JSON it is.
    assert seen("eq", 0.3, {"amount": "0.30"}).matched
    assert seen("gte", 600, {"amount": "600.00"}).matched
    assert seen("eq", 600, {"amount": 600.0}).matched


def test_the_worked_example_matches_a_600_bill_and_not_a_400_one():
    condition = condition_read({"field": "amount", "op": "gte", "value": 500})
    assert evaluate(condition, {"amount": 600}).matched
    refused = evaluate(condition, {"amount": 400})
    assert (refused.matched, refused.code, refused.value) == (False, "CONDITION_NOT_MET", 400)


def test_a_missing_field_is_a_non_match_with_its_own_reason():
    result = seen("gte", 500, {"total": 600})
    assert (result.matched, result.code, result.present) == (False, "FIELD_MISSING", False)


def test_a_field_that_is_not_a_number_does_not_match_an_ordering():
    for value in ("abc", True, None, [1], {"a": 1}):
        result = seen("gt", 1, {"amount": value})
        assert (result.matched, result.code) == (False, "FIELD_NOT_NUMBER"), value
        assert (result.message, result.value) == ("'amount' is not a number.", value)


def test_a_match_says_what_was_met():
    result = seen("gte", 500, {"amount": 600})
    assert (result.code, result.message, result.value) == ("MATCHED", "amount gte 500: met.", 600)


def test_in_matches_any_listed_value_text_exactly_and_numbers_as_decimals():
    assert seen("in", ["GOLD", "SILVER"], {"tier": "GOLD"}, field="tier").matched
    assert not seen("in", ["GOLD", "SILVER"], {"tier": "gold"}, field="tier").matched
    assert seen("in", [1, 2], {"store": "2.0"}, field="store").matched
    assert not seen("in", [1, 2], {"store": 3}, field="store").matched


def test_text_equality_is_exact_and_booleans_are_not_numbers():
    assert seen("eq", "POS", {"channel": "POS"}, field="channel").matched
    assert not seen("eq", "POS", {"channel": "pos"}, field="channel").matched
    assert seen("eq", True, {"first": True}, field="first").matched
    assert not seen("eq", 1, {"first": True}, field="first").matched
    assert not seen("eq", True, {"first": 1}, field="first").matched
    assert seen("ne", "POS", {"channel": 5}, field="channel").matched


def test_a_dotted_field_reads_a_nested_value():
    assert field_read({"customer": {"tier": "GOLD"}}, "customer.tier") == (True, "GOLD")
    assert field_read({"customer": "GOLD"}, "customer.tier") == (False, None)
    assert seen("eq", "GOLD", {"customer": {"tier": "GOLD"}}, field="customer.tier").matched


def test_no_condition_matches_every_event():
    result = evaluate(None, {})
    assert (result.matched, result.code, result.present) == (True, "MATCHED", False)
    assert result.message == "No condition: every event of the type matches."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "A condition is {field, op, value}."),
        ([], "A condition is {field, op, value}."),
        ({"field": "amount", "op": "gte"}, "A condition is {field, op, value}."),
        ({"field": "amount", "op": "gte", "value": 1, "extra": 1}, "is {field, op, value}"),
        ({"field": "", "op": "eq", "value": 1}, "a payload field name of 1 to 100 characters"),
        ({"field": 5, "op": "eq", "value": 1}, "a payload field name of 1 to 100 characters"),
        (
            {"field": "a..b", "op": "eq", "value": 1},
            "A condition's field names a payload field: no empty part between dots.",
        ),
        ({"field": "x" * 101, "op": "eq", "value": 1}, "1 to 100 characters"),
        (
            {"field": "amount", "op": "between", "value": 1},
            "A condition's op is one of eq, ne, gt, gte, lt, lte, in.",
        ),
        ({"field": "amount", "op": "gt", "value": "500"}, "'gt' compares numbers"),
        ({"field": "amount", "op": "gt", "value": True}, "'gt' compares numbers"),
        ({"field": "amount", "op": "in", "value": []}, "'in' takes a list of 1 to 100 values."),
        ({"field": "amount", "op": "in", "value": "GOLD"}, "'in' takes a list"),
        (
            {"field": "amount", "op": "in", "value": [{"a": 1}]},
            "'in' lists text, numbers or booleans.",
        ),
        ({"field": "amount", "op": "in", "value": [""]}, "'in' lists text, numbers or booleans."),
        ({"field": "amount", "op": "in", "value": list(range(101))}, "1 to 100 values"),
        ({"field": "amount", "op": "eq", "value": None}, "'eq' compares with text (1 to 200"),
        ({"field": "amount", "op": "eq", "value": ""}, "'eq' compares with text"),
        ({"field": "amount", "op": "eq", "value": "x" * 201}, "'eq' compares with text"),
        ({"field": "amount", "op": "eq", "value": float("nan")}, "'eq' compares with text"),
    ],
)
def test_a_malformed_condition_is_refused_with_a_reason(raw, reason):
    problem = condition_problem(raw)
    # The whole message when the case gives one (it ends with a full stop), else a part of it.
    assert problem == reason if reason.endswith(".") else reason in problem


@pytest.mark.parametrize(
    "raw",
    [
        {"field": "amount", "op": "gte", "value": 500},
        {"field": "amount", "op": "lt", "value": 0.5},
        {"field": "tier", "op": "in", "value": ["GOLD", 2, True]},
        {"field": "customer.tier", "op": "ne", "value": "x" * 200},
        {"field": "x" * 100, "op": "eq", "value": False},
        {"field": "n", "op": "in", "value": list(range(1, 101))},
        {"field": "n", "op": "in", "value": [0.5]},
        {"field": "n", "op": "in", "value": ["x"]},
        {"field": "n", "op": "eq", "value": "x"},
        {"field": "n", "op": "eq", "value": 0.5},
    ],
)
def test_a_well_formed_condition_is_taken(raw):
    assert condition_problem(raw) is None


def test_number_reads_finite_numbers_and_numeric_text_only():
    assert number("  12.50 ") == number(12.5)
    assert number("1e3") == 1000
    for value in (True, None, "NaN", "Infinity", "abc", [], {}):
        assert number(value) is None, value
