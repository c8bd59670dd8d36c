"""The rule pages (SPEC 12 in the browser): the org's rules with their condition and target in
words under the ``rules/`` list's filters; a new rule whose badge is picked among those its
module may pick, stopping at a confirmation that names the permanent claim a save adds; an edit
of what may change, an untouched save changing nothing; disable, enable and delete behind
confirmations. The services judge; refusals land on the inputs with the API's codes. Viewers
read; every write page answers them 403; another org's rule is 404."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges.events.models import Rule
from badges.models import BadgeClaim, Role
from tests.events.factories import rule_for
from tests.factories import BadgeFactory, BadgeOwnerFactory
from tests.ui.conftest import signed_in
from tests.ui.pages import form_values

pytestmark = pytest.mark.django_db

LIST = "/rules/ui/"
NEW = "/rules/ui/new/"
CLAIM = "(LOYALTY, Supermarket program, TransactionAdd)"


@pytest.fixture
def spender(org_a):
    return BadgeFactory(org=org_a, name="Big Spender")


def new_rule(badge, /, **values) -> dict:
    """What the new rule form sends for an issue of ``badge`` on every TransactionAdd."""
    return {
        "name": "Big spender",
        "module": "LOYALTY",
        "program": "Supermarket program",
        "event_type": "TransactionAdd",
        "event_name": "",
        "action": "ISSUE_BADGE",
        "badge": str(badge.pk),
        "condition_field": "",
        "condition_op": "",
        "condition_value": "",
        "target_kind": "",
        "target_value": "",
        "target_field": "",
        "step": "save",
        **values,
    }


def row_names(response) -> list[str]:
    return re.findall(r'<th scope="row" class="fw-semibold text-break">([^<]+)</th>', response.text)


def confirmed(client, response):
    """Send the confirmation page's values again with its "Confirm and save"."""
    return client.post(
        response.request["PATH_INFO"], {**form_values(response, "rule-form"), "step": "confirm"}
    )


def test_the_list_shows_each_rule_in_words(viewer_page, org_a, org_b, spender):
    rule_for(
        spender,
        condition={"field": "amount", "op": "gte", "value": 500},
        target={"kind": "SUM", "field": "amount", "value": 1500},
    )
    rule_for(
        spender,
        name="App review",
        event_type="Behavioral",
        event_name="app_review",
        condition={"field": "tier", "op": "in", "value": ["gold", "silver"]},
        target={"kind": "COUNT", "value": 3},
    )
    rule_for(BadgeFactory(org=org_b), name="Theirs")
    response = viewer_page.get(LIST)
    assert response.status_code == 200
    assert row_names(response) == ["App review", "Big spender"]
    for shown in [
        "amount is at least 500",
        "Sum of amount reaching 1,500",
        "Behavioral: app_review",
        "tier is one of “gold”, “silver”",
        "3 matching events",
        "Supermarket program",
        "Loyalty",
        "Big Spender",
    ]:
        assert shown in response.text, shown
    for control in ["New rule", "/edit/", "/disable/", "/delete/"]:
        assert control not in response.text, control


def test_the_list_takes_the_apis_filters(viewer_page, spender):
    rule_for(spender, name="On bills")
    rule_for(spender, name="On returns", event_type="ReturnBill", action="REVOKE_BADGE")
    off = rule_for(spender, name="Off")
    Rule.objects.filter(pk=off.pk).update(is_active=False)
    assert row_names(viewer_page.get(f"{LIST}?event_type=ReturnBill")) == ["On returns"]
    assert row_names(viewer_page.get(f"{LIST}?is_active=false")) == ["Off"]
    assert row_names(viewer_page.get(f"{LIST}?is_active=true&event_type=TransactionAdd")) == [
        "On bills"
    ]
    refused = viewer_page.get(f"{LIST}?event_type=Bogus")
    assert refused.status_code == 400 and "These filters can't be applied" in refused.text
    assert viewer_page.get(f"{LIST}?page=2").status_code == 404


def test_the_forms_any_choices_filter_nothing(viewer_page, spender):
    """ "Any event type" and "Active and disabled" are sent empty: no filter, as if unsent."""
    assert "No rules yet." in viewer_page.get(f"{LIST}?event_type=&is_active=").text
    rule_for(spender, name="On bills")
    off = rule_for(spender, name="Off")
    Rule.objects.filter(pk=off.pk).update(is_active=False)
    response = viewer_page.get(f"{LIST}?event_type=&is_active=")
    assert response.status_code == 200 and row_names(response) == ["Off", "On bills"]
    assert row_names(viewer_page.get(f"{LIST}?event_type=&is_active=false")) == ["Off"]


def test_the_badge_is_picked_among_those_the_module_may_pick(editor_page, org_a, spender):
    BadgeFactory(org=org_a, name="Not yet", upcoming=True)
    BadgeFactory(org=org_a, name="Switched off", is_active=False)
    campaign = BadgeFactory(org=org_a, name="Campaign only", owners=None)
    BadgeOwnerFactory(badge=campaign, module="CAMPAIGNS")
    form = editor_page.get(NEW)
    assert form.status_code == 200
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', form.text)
    assert ("", "Choose a badge") in options
    assert (str(spender.pk), "Big Spender") in options
    for hidden in ["Not yet", "Switched off", "Campaign only"]:
        assert hidden not in form.text
    assert 'hx-get="/rules/ui/new/badges/"' in form.text

    swapped = editor_page.get(
        f"/rules/ui/new/badges/?module=CAMPAIGNS&badge={spender.pk}", HTTP_HX_REQUEST="true"
    )
    assert swapped.status_code == 200
    assert "<html" not in swapped.text and 'id="id_badge"' in swapped.text
    assert "Campaign only" in swapped.text and "Big Spender" not in swapped.text
    assert "1 live, active badge owned by Campaigns" in swapped.text
    kept = editor_page.get(f"/rules/ui/new/badges/?module=LOYALTY&badge={spender.pk}")
    assert f'<option value="{spender.pk}" selected>' in kept.text
    assert editor_page.get("/rules/ui/new/badges/?module=NOPE").status_code == 404


def test_a_rule_whose_claim_the_badge_lacks_is_saved_once_the_claim_is_confirmed(
    editor_page, org_a, spender
):
    asked = editor_page.post(
        NEW,
        new_rule(spender, condition_field="amount", condition_op="gte", condition_value="500"),
    )
    assert asked.status_code == 200
    assert f"Add the claim {CLAIM} to “Big Spender”?" in asked.text
    assert "permanent claim" in asked.text and "Confirm and save" in asked.text
    assert "amount is at least 500" in asked.text, "the rule to save, in words"
    assert not Rule.objects.exists() and not BadgeClaim.objects.exists()

    saved = confirmed(editor_page, asked)
    assert (saved.status_code, saved["Location"]) == (302, LIST)
    rule = Rule.objects.get()
    assert (rule.name, rule.program, rule.badge, rule.created_by) == (
        "Big spender",
        "Supermarket program",
        spender,
        editor_page.user,
    )
    assert rule.condition == {"field": "amount", "op": "gte", "value": 500}
    claim = BadgeClaim.objects.get(badge=spender)
    assert (claim.module, claim.reference, claim.detail) == (
        "LOYALTY",
        "Supermarket program",
        "TransactionAdd",
    )
    listed = editor_page.get(LIST)
    assert row_names(listed) == ["Big spender"]
    assert f"“Big Spender” carries the claim {CLAIM}" in listed.text


def test_change_goes_back_to_the_form_with_the_values(editor_page, spender):
    asked = editor_page.post(NEW, new_rule(spender, name="Draft"))
    back = editor_page.post(NEW, {**form_values(asked, "rule-form"), "step": "change"})
    assert back.status_code == 200
    assert form_values(back, "rule-form")["name"] == "Draft"
    assert "Create rule" in back.text and not Rule.objects.exists()


def test_a_rule_whose_claim_the_badge_has_is_saved_at_once(editor_page, spender):
    rule_for(spender, name="First")
    saved = editor_page.post(NEW, new_rule(spender, name="Second"))
    assert saved.status_code == 302
    assert Rule.objects.filter(name="Second").exists()


@pytest.mark.parametrize(
    "op, typed, value",
    [
        ("gte", "500", 500),
        ("gt", "99.5", 99.5),
        ("eq", " gold ", "gold"),
        ("eq", "007", "007"),
        ("ne", "1e999", "1e999"),
        ("in", "gold, 3, silver,", ["gold", 3, "silver"]),
    ],
)
def test_a_conditions_value_is_a_number_when_it_reads_as_one(
    editor_page, spender, op, typed, value
):
    rule_for(spender, name="Claimed")
    response = editor_page.post(
        NEW,
        new_rule(spender, condition_field="tier", condition_op=op, condition_value=typed),
    )
    assert response.status_code == 302
    assert Rule.objects.get(name="Big spender").condition == {
        "field": "tier",
        "op": op,
        "value": value,
    }


def test_targets_count_or_sum_and_only_for_an_issue(editor_page, spender):
    rule_for(spender, name="Claimed")
    editor_page.post(NEW, new_rule(spender, name="Count", target_kind="COUNT", target_value="3"))
    editor_page.post(
        NEW,
        new_rule(
            spender, name="Sum", target_kind="SUM", target_value="1500.50", target_field="amount"
        ),
    )
    editor_page.post(
        NEW,
        new_rule(
            spender, name="Revoke", action="REVOKE_BADGE", target_kind="COUNT", target_value="3"
        ),
    )
    targets = {rule.name: rule.target for rule in Rule.objects.all()}
    assert targets == {
        "Claimed": None,
        "Count": {"kind": "COUNT", "field": None, "value": 3},
        "Sum": {"kind": "SUM", "field": "amount", "value": 1500.5},
        "Revoke": None,
    }
    assert Rule.objects.get(name="Sum").target_value == Decimal("1500.5")


def test_an_event_name_is_read_for_behavioral_rules_only(editor_page, spender):
    rule_for(spender, name="Claimed")
    editor_page.post(NEW, new_rule(spender, name="Bill", event_name="left over"))
    assert Rule.objects.get(name="Bill").event_name == ""
    asked = editor_page.post(
        NEW, new_rule(spender, name="Review", event_type="Behavioral", event_name="app_review")
    )
    assert "(LOYALTY, Supermarket program, Behavioral)" in asked.text
    confirmed(editor_page, asked)
    assert Rule.objects.get(name="Review").event_name == "app_review"


@pytest.mark.parametrize(
    "values, field, code",
    [
        ({"name": ""}, "name", "RULE_NAME_INVALID"),
        ({"program": "  "}, "program", "PROGRAM_INVALID"),
        ({"event_type": "Behavioral"}, "event_name", "EVENT_NAME_REQUIRED"),
        ({"badge": ""}, "badge", "BADGE_REQUIRED"),
        ({"condition_field": "amount"}, "condition", "CONDITION_INVALID"),
        (
            {"condition_field": "amount", "condition_op": "gt", "condition_value": "lots"},
            "condition",
            "CONDITION_INVALID",
        ),
        ({"target_kind": "COUNT", "target_value": "2.5"}, "target", "TARGET_INVALID"),
        ({"target_kind": "SUM", "target_value": "10"}, "target", "TARGET_INVALID"),
    ],
)
def test_refusals_land_on_their_inputs_and_nothing_is_written(
    editor_page, spender, values, field, code
):
    response = editor_page.post(NEW, new_rule(spender, **values))
    assert response.status_code == 400
    assert code in response.text and "The rule was not saved" in response.text
    assert f'id="err-{field}"' in response.text
    described = re.findall(r'aria-describedby="([^"]*)"', response.text)
    assert any(f"err-{field}" in ids.split() for ids in described), "the input names its error"
    assert not Rule.objects.exists() and not BadgeClaim.objects.exists()


def test_a_taken_name_is_refused(editor_page, spender):
    rule_for(spender)
    response = editor_page.post(NEW, new_rule(spender))
    assert response.status_code == 400 and "RULE_NAME_TAKEN" in response.text
    assert Rule.objects.count() == 1


def test_a_badge_the_module_may_not_pick_is_refused(editor_page, org_a):
    campaign = BadgeFactory(org=org_a, owners=None)
    BadgeOwnerFactory(badge=campaign, module="CAMPAIGNS")
    response = editor_page.post(NEW, new_rule(campaign))
    assert response.status_code == 400 and "RULE_BADGE_NOT_ELIGIBLE" in response.text


def test_the_edit_form_shows_the_fixed_fields_and_an_untouched_save_changes_nothing(
    editor_page, spender
):
    rule = rule_for(
        spender,
        event_type="Behavioral",
        event_name="app_review",
        condition={"field": "tier", "op": "in", "value": ["gold", "5", True]},
        target={"kind": "COUNT", "value": 3},
    )
    page = editor_page.get(f"/rules/ui/{rule.pk}/edit/")
    assert page.status_code == 200
    for shown in ["Behavioral: app_review", "Issue", "Big Spender", "3 matching events"]:
        assert shown in page.text, shown
    sent = form_values(page, "rule-form")
    assert set(sent) == {
        "csrfmiddlewaretoken",
        "name",
        "program",
        "condition_field",
        "condition_op",
        "condition_value",
        "is_active",
    }
    assert sent["condition_value"] == "gold, 5, true"
    response = editor_page.post(f"/rules/ui/{rule.pk}/edit/", {**sent, "step": "save"})
    assert response.status_code == 302
    assert Rule.objects.get().condition == {
        "field": "tier",
        "op": "in",
        "value": ["gold", "5", True],
    }


def test_an_edit_changes_what_may_change_and_a_new_program_asks_for_its_claim(
    editor_page, spender, org_a
):
    rule = rule_for(spender)
    other = BadgeFactory(org=org_a)
    url = f"/rules/ui/{rule.pk}/edit/"
    changed = {
        **form_values(editor_page.get(url), "rule-form"),
        "name": "Bigger spender",
        "program": "Pharmacy program",
        "condition_field": "amount",
        "condition_op": "gt",
        "condition_value": "1000",
        "module": "CAMPAIGNS",
        "badge": str(other.pk),
        "step": "save",
    }
    changed.pop("is_active")
    asked = editor_page.post(url, changed)
    assert asked.status_code == 200
    assert (
        "Add the claim (LOYALTY, Pharmacy program, TransactionAdd) to “Big Spender”?" in asked.text
    )
    assert Rule.objects.get().name == "Big spender"
    saved = confirmed(editor_page, asked)
    assert saved.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.program, rule.module, rule.badge, rule.is_active) == (
        "Bigger spender",
        "Pharmacy program",
        "LOYALTY",
        spender,
        False,
    )
    assert rule.condition == {"field": "amount", "op": "gt", "value": 1000}


def test_an_edit_refused_says_why(editor_page, spender):
    rule_for(spender, name="Taken")
    rule = rule_for(spender)
    url = f"/rules/ui/{rule.pk}/edit/"
    response = editor_page.post(
        url, {**form_values(editor_page.get(url), "rule-form"), "name": "Taken", "step": "save"}
    )
    assert response.status_code == 400 and "RULE_NAME_TAKEN" in response.text
    assert Rule.objects.get(pk=rule.pk).name == "Big spender"


def test_disable_enable_and_delete_behind_confirmations(editor_page, spender):
    rule = rule_for(spender)
    page = editor_page.get(f"/rules/ui/{rule.pk}/disable/")
    assert page.status_code == 200 and "Disable the rule “Big spender”?" in page.text
    assert editor_page.post(f"/rules/ui/{rule.pk}/disable/").status_code == 302
    assert not Rule.objects.get().is_active
    assert "It is disabled already." in editor_page.get(f"/rules/ui/{rule.pk}/disable/").text
    assert editor_page.post(f"/rules/ui/{rule.pk}/enable/").status_code == 302
    assert Rule.objects.get().is_active
    asked = editor_page.get(f"/rules/ui/{rule.pk}/delete/")
    assert "can't be undone" in asked.text
    assert editor_page.post(f"/rules/ui/{rule.pk}/delete/").status_code == 302
    assert not Rule.objects.exists()
    assert BadgeClaim.objects.filter(badge=spender).exists(), "the claim is permanent"


def test_viewers_read_and_every_write_page_answers_them_403(viewer_page, spender):
    rule = rule_for(spender)
    assert viewer_page.get(LIST).status_code == 200
    for path in [
        NEW,
        "/rules/ui/new/badges/?module=LOYALTY",
        f"/rules/ui/{rule.pk}/edit/",
        f"/rules/ui/{rule.pk}/disable/",
        f"/rules/ui/{rule.pk}/enable/",
        f"/rules/ui/{rule.pk}/delete/",
    ]:
        assert viewer_page.get(path).status_code == 403, path
        assert viewer_page.post(path).status_code == 403, path
    assert Rule.objects.get().is_active


def test_another_orgs_rule_is_not_found(editor_page, org_b):
    rule = rule_for(BadgeFactory(org=org_b))
    for action in ["edit", "disable", "enable", "delete"]:
        path = f"/rules/ui/{rule.pk}/{action}/"
        assert editor_page.get(path).status_code == 404, path
        assert editor_page.post(path).status_code == 404, path
    assert Rule.objects.get().is_active


def test_the_navigation_marks_the_rules_page(viewer_page):
    response = viewer_page.get(LIST)
    assert re.search(
        r'class="nav-link active" aria-current="page" href="/rules/ui/">Rules<', response.text
    )
    assert 'href="/events/ui/">Events<' in response.text


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_the_list_reads_in_a_constant_number_of_queries(org_a, role):
    client = signed_in(org_a, role)
    for index in range(2):
        rule_for(BadgeFactory(org=org_a), name=f"Rule {index}")
    few = list_queries(client)
    for index in range(2, 40):
        rule_for(BadgeFactory(org=org_a), name=f"Rule {index}")
    assert list_queries(client) == few
