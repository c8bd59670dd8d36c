"""SPEC 17: every endpoint appears in a valid OpenAPI 3 schema and the docs page works offline."""

import inspect
import re

import pytest
import yaml
from jsonschema import Draft4Validator
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/org/": {"get", "patch"},
    "/api/v1/badges/": {"get", "post"},
    "/api/v1/badges/{id}/": {"get", "patch"},
    "/api/v1/badges/{id}/activate/": {"post"},
    "/api/v1/badges/{id}/deactivate/": {"post"},
    "/api/v1/badges/{id}/owners/": {"post"},
    "/api/v1/badges/{id}/claims/": {"post"},
    "/api/v1/badges/{id}/history/": {"get"},
    "/api/v1/badges/{id}/enrol/": {"post"},
    "/api/v1/badges/{id}/issue/": {"post"},
    "/api/v1/badges/{id}/revoke/": {"post"},
    "/api/v1/issuances/{issual_id}/": {"get"},
    "/api/v1/issuances/{issual_id}/revoke/": {"post"},
    "/api/v1/enrolments/{id}/": {"get"},
    "/api/v1/enrolments/{id}/revoke/": {"post"},
    "/api/v1/customers/": {"get", "post"},
    "/api/v1/customers/{customer_id}/": {"get"},
    "/api/v1/customers/{customer_id}/badges/": {"get"},
    "/api/v1/customers/{customer_id}/available-badges/": {"get"},
    "/api/v1/groups/": {"get", "post"},
    "/api/v1/groups/{id}/": {"get", "patch", "delete"},
    "/api/v1/custom-fields/": {"get", "post"},
    "/api/v1/custom-fields/{id}/": {"get", "patch"},
    "/api/v1/rules/": {"get", "post"},
    "/api/v1/rules/{id}/": {"get", "patch", "delete"},
    "/api/v1/events/": {"get", "post"},
    "/api/v1/events/{id}/": {"get"},
    "/api/v1/customers/{customer_id}/progress/": {"get"},
    "/api/v1/imports/badges/": {"post"},
    "/api/v1/imports/customer-badges/": {"post"},
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_schema_covers_every_endpoint_and_method(schema):
    for path, methods in ENDPOINTS.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


def test_schema_documents_the_badge_list_filters(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/badges/"]["get"]["parameters"]}
    assert {
        "status",
        "is_active",
        "owner",
        "claimed_by",
        "search",
        "group",
        "ordering",
        "page",
    } <= parameters


def test_schema_documents_error_responses(schema):
    create = schema["paths"]["/api/v1/badges/"]["post"]["responses"]
    assert {"201", "400"} <= set(create)
    deactivate = schema["paths"]["/api/v1/badges/{id}/deactivate/"]["post"]["responses"]
    assert {"200", "400", "404"} <= set(deactivate)


def test_schema_documents_the_issue_result_shape(schema):
    components = schema["components"]["schemas"]
    result = components["IssueResult"]["properties"]
    assert {"customer_id", "status", "code", "message", "details", "issuance", "replayed"} <= set(
        result
    )
    customer_badges = schema["paths"]["/api/v1/customers/{customer_id}/badges/"]["get"]
    assert {"status", "badge", "group", "sort_on"} <= {
        p["name"] for p in customer_badges["parameters"]
    }


def test_schema_documents_groups_ranks_and_custom_fields_on_badges(schema):
    components = schema["components"]["schemas"]
    assert {"group", "rank", "custom_fields"} <= set(components["Badge"]["properties"])
    assert {"group", "rank", "custom_fields"} <= set(components["BadgeWriteRequest"]["properties"])
    assert {"badge_name", "badge_description", "images", "group", "rank", "custom_fields"} <= set(
        components["CustomerBadge"]["properties"]
    )
    assert {"enrolment", "active_issual_id", "benefits", "description"} <= set(
        components["AvailableBadge"]["properties"]
    )


def test_docs_page_serves_its_assets_locally(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()


def violation_codes(*rules) -> set[str]:
    """Every code the rules (modules or functions) raise: ``Violation("CODE"`` and
    ``RuleViolation.one("CODE"``."""
    return {
        code
        for source in rules
        for code in re.findall(
            r'(?:Violation|RuleViolation\.one)\(\s*"([A-Z_]+)"', inspect.getsource(source)
        )
    }


def test_a_badge_write_documents_every_code_the_definition_rules_answer(schema):
    from badges.services import definition_rules
    from customfields import services as customfield_services
    from groups import services as group_services

    codes = violation_codes(
        definition_rules,
        group_services.group_assignable,
        group_services.rank_violations,
        customfield_services.badge_values_violations,
    )
    assert {"GROUP_INACTIVE", "RANK_INVALID", "CUSTOM_FIELD_DUPLICATE"} <= codes
    for path, method in (("/api/v1/badges/", "post"), ("/api/v1/badges/{id}/", "patch")):
        described = schema["paths"][path][method]["responses"]["400"]["description"]
        assert {c for c in codes if c not in described} == set(), (path, method)


def test_issue_and_enrol_document_every_code_that_refuses_a_whole_request(schema):
    from badges.services import customers, idempotency

    registration = {"REGISTERED_ON_IN_FUTURE", "CUSTOMER_EXISTS"}  # a customer's, not an issue's
    codes = violation_codes(customers, idempotency) - registration
    for action in ("issue", "enrol"):
        described = schema["paths"][f"/api/v1/badges/{{id}}/{action}/"]["post"]["responses"]
        assert {c for c in codes if c not in described["400"]["description"]} == set(), action


def test_trimmed_text_is_documented_as_counted_trimmed(schema):
    """The claim reference is read trimmed and is at most 200 characters so: its pattern says
    the same, where ``maxLength`` would count the white space around it."""
    reference = schema["components"]["schemas"]["ClaimRequest"]["properties"]["reference"]
    assert "maxLength" not in reference
    pattern = re.compile(reference["pattern"])
    assert pattern.match("\t" + "x" * 200)
    assert not pattern.match("x" * 201)
    assert not pattern.match(" \t ")


def one_of_schemas(node):
    if isinstance(node, dict):
        if "oneOf" in node:
            yield node
        for value in node.values():
            yield from one_of_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from one_of_schemas(value)


def matches(schema, branch, value) -> bool:
    return Draft4Validator({**branch, "components": schema["components"]}).is_valid(value)


@pytest.mark.parametrize("value", ["", " ", "x", 0, None])
def test_no_value_matches_two_branches_of_a_one_of(schema, value):
    """A ``oneOf`` refuses a value that matches more than one of its branches: overlapping
    branches (an empty string both a blank pattern and drf-spectacular's empty branch took)
    would document as invalid what the API takes."""
    overlapping = [
        node["oneOf"]
        for node in one_of_schemas(schema)
        if sum(matches(schema, branch, value) for branch in node["oneOf"]) > 1
    ]
    assert overlapping == []


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("RuleWriteRequest", "event_name"),
        ("PatchedRuleWriteRequest", "event_name"),
        ("EventPostRequest", "event_name"),
    ],
)
def test_an_event_name_is_documented_as_blank_or_up_to_100_characters(schema, component, field):
    documented = schema["components"]["schemas"][component]["properties"][field]
    for value in ["", "  ", "Visit", " Store visit ", "x" * 100]:
        assert matches(schema, documented, value), value
    for value in ["x" * 101, "a\u0000b"]:
        assert not matches(schema, documented, value), value


# Codes the rule service has for what the API's shape already refuses (an enum's
# INVALID_CHOICE, a required badge's REQUIRED or NULL).
RULE_CODES_THE_SHAPE_ANSWERS = {"MODULE_INVALID", "EVENT_TYPE_INVALID", "ACTION_INVALID"}
RULE_CODES_THE_SHAPE_ANSWERS |= {"BADGE_REQUIRED"}


def test_rule_writes_document_every_code_the_rule_service_answers(schema):
    from badges.events.services import rules

    codes = set(re.findall(r'checks\.add\(\s*"([A-Z_]+)"', inspect.getsource(rules)))
    codes = (codes | violation_codes(rules)) - RULE_CODES_THE_SHAPE_ANSWERS
    assert {"CLAIM_CONFIRMATION_REQUIRED", "RULE_FIELD_FIXED", "BADGE_NOT_FOUND"} <= codes
    create = schema["paths"]["/api/v1/rules/"]["post"]["responses"]["400"]["description"]
    assert {c for c in codes - {"RULE_FIELD_FIXED"} if c not in create} == set()
    update = schema["paths"]["/api/v1/rules/{id}/"]["patch"]["responses"]["400"]["description"]
    assert {c for c in codes if c not in update} == set()


def test_posting_an_event_documents_every_code_the_intake_answers(schema):
    from badges.events.services import intake

    codes = violation_codes(intake) - {"EVENT_TYPE_INVALID"}  # the enum's INVALID_CHOICE
    assert {"EVENT_ID_REUSED", "PAYLOAD_INVALID"} <= codes
    post = schema["paths"]["/api/v1/events/"]["post"]["responses"]
    assert {"200", "202", "400", "403"} <= set(post)
    assert {c for c in codes if c not in post["400"]["description"]} == set()


def test_schema_documents_the_rule_event_and_progress_shapes(schema):
    components = schema["components"]["schemas"]
    assert set(components["Rule"]["properties"]) == {
        "id",
        "name",
        "module",
        "program",
        "event_type",
        "event_name",
        "action",
        "badge",
        "condition",
        "target",
        "is_active",
        "created_on",
        "created_by",
        "updated_on",
        "updated_by",
    }
    assert "confirm_claim" in components["RuleWriteRequest"]["properties"]
    assert {"dry_run", "outcomes", "status"} <= set(components["EventPosted"]["properties"])
    assert {"issuance", "progress", "result", "code", "seen"} <= set(
        components["Outcome"]["properties"]
    )
    assert {"WOULD_ISSUE", "WOULD_REVOKE", "ISSUED"} <= set(components["OutcomeResultEnum"]["enum"])
    for shape in ("Event", "EventPosted"):
        payload = components[shape]["properties"]["payload"]
        assert (payload["type"], payload["additionalProperties"]) == ("object", {}), shape
    assert components["Rule"]["properties"]["condition"]["properties"]["op"]["enum"]
    assert components["AvailableBadge"]["properties"]["progress"]["nullable"] is True
    assert components["BadgeProgress"]["properties"]["total"]["type"] == "number"
    events = schema["paths"]["/api/v1/events/"]["get"]
    rules = schema["paths"]["/api/v1/rules/"]["get"]
    assert {"customer", "event_type", "status", "page"} <= {p["name"] for p in events["parameters"]}
    assert {"event_type", "action", "is_active"} <= {p["name"] for p in rules["parameters"]}


# The codes of a badge update only: an imported badge is new.
UPDATE_ONLY_CODES = {"START_ON_LOCKED", "EXPIRES_ON_IN_PAST", "ISSUE_TYPE_FIXED", "OWNERS_ADD_ONLY"}


def test_importing_badges_documents_every_code_an_item_can_answer(schema):
    from badges.imports import services as import_batches
    from badges.imports.services import definitions as imports
    from badges.services import definition_rules
    from customfields import services as customfield_services
    from groups import services as group_services

    codes = violation_codes(
        definition_rules,
        group_services.group_assignable,
        group_services.rank_violations,
        customfield_services.badge_values_violations,
        imports,
        import_batches,
    )
    assert {"EXTERNAL_ID_INVALID", "ROWS_REQUIRED", "TOO_MANY_ROWS"} <= codes
    post = schema["paths"]["/api/v1/imports/badges/"]["post"]
    assert {"200", "400", "403", "413"} <= set(post["responses"])
    described = post["description"] + post["responses"]["400"]["description"]
    assert {c for c in codes - UPDATE_ONLY_CODES if c not in described} == set()
    components = schema["components"]["schemas"]
    assert set(components["BadgeImportStatusEnum"]["enum"]) == {"IMPORTED", "DUPLICATE", "INVALID"}
    item = components["BadgeImportItemRequest"]["properties"]
    assert set(components["BadgeWriteRequest"]["properties"]) | {"external_id"} == set(item)
    assert set(components["BadgeImportResult"]["properties"]) == {
        "index",
        "external_id",
        "status",
        "badge",
        "errors",
    }


def test_importing_customer_badges_documents_every_code_a_row_can_answer(schema):
    from badges.imports import rows
    from badges.imports import services as import_batches
    from badges.imports.services import earned

    literal = set(re.findall(r'"([A-Z][A-Z_]+[A-Z])"', inspect.getsource(rows)))
    for module in (earned, import_batches):
        literal |= set(re.findall(r'"([A-Z][A-Z_]+[A-Z])"', inspect.getsource(module)))
    # rows.py names the code of a value of the wrong JSON type after its field.
    typed = {f"{field.upper()}_INVALID" for field in (*rows.EARNED_COLUMNS, "external_id")}
    codes = (literal | typed) - {"ISO"}
    assert {"BADGE_REQUIRED", "ROW_INVALID", "EVENT_DATE_OUTSIDE_BADGE_PERIOD"} <= codes
    post = schema["paths"]["/api/v1/imports/customer-badges/"]["post"]
    described = post["description"] + post["responses"]["400"]["description"]
    assert {c for c in codes if c not in described} == set()
    components = schema["components"]["schemas"]
    assert set(components["ImportRowStatusEnum"]["enum"]) == {
        "IMPORTED",
        "DUPLICATE",
        "OVERLAPPING",
        "BADGE_NOT_FOUND",
        "INVALID",
    }
    assert set(components["EarnedRowRequest"]["properties"]) == {
        *rows.EARNED_COLUMNS,
        *rows.EARNED_OPTIONAL_COLUMNS,
    }
    assert set(components["EarnedResult"]["properties"]) == {
        "line",
        "status",
        "code",
        "field",
        "message",
        "issual_id",
    }
    rows_field = components["EarnedImportRequest"]["properties"]["rows"]
    assert (rows_field["minItems"], rows_field["maxItems"]) == (1, 5000)
    badges_field = components["BadgesImportRequest"]["properties"]["badges"]
    assert (badges_field["minItems"], badges_field["maxItems"]) == (1, 1000)
