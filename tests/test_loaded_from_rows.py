"""Instances read from the database are built by ``LoadedFromRows`` as ``Model.__init__``
would leave them: every model of the three apps, all fields or some deferred, through a
queryset and through ``badges.rows``; and by ``Model.__init__`` itself while a receiver watches
instances being built."""

import uuid

import pytest
from django.apps import apps
from django.db import models
from django.db.models.signals import post_init

from badges import selectors
from badges.models import Badge, Issuance
from badges.rows import (
    LoadedFromRows,
    RowsWhereIn,
    ValuesWhereIn,
    read_together,
)
from customfields.models import BadgeFieldValue
from tests.factories import (
    BadgeFactory,
    BadgeFieldValueFactory,
    BadgeGroupFactory,
    EnrolmentFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    IssueRequestFactory,
    MembershipFactory,
)
from tests.pipelines import statements_sent

pytestmark = pytest.mark.django_db

OWN_MODELS = [
    model
    for name in ("badges", "groups", "customfields")
    for model in apps.get_app_config(name).get_models()
]


def built_by_django(instance: models.Model) -> models.Model:
    """The same row built by ``Model.from_db`` as Django writes it."""
    model = type(instance)
    names = [f.attname for f in model._meta.concrete_fields if f.attname in instance.__dict__]
    values = [instance.__dict__[name] for name in names]
    return models.Model.from_db.__func__(model, instance._state.db, names, values)


def fields_of(instance: models.Model) -> dict:
    return {key: value for key, value in vars(instance).items() if key != "_state"}


@pytest.fixture
def one_of_each():
    issuance = IssuanceFactory(badge__group=BadgeGroupFactory())
    IssueRequestFactory(badge=issuance.badge, customer=issuance.customer)
    EnrolmentFactory(badge=issuance.badge)
    FixedWindowConfigFactory(badge=issuance.badge)
    BadgeFieldValueFactory(badge=issuance.badge)
    MembershipFactory(org=issuance.org)
    return issuance


def test_every_model_of_the_apps_is_loaded_from_rows():
    assert OWN_MODELS
    assert [m for m in OWN_MODELS if not issubclass(m, LoadedFromRows)] == []


@pytest.mark.parametrize("model", OWN_MODELS, ids=lambda m: m.__name__)
def test_a_read_instance_holds_what_model_init_would_set(one_of_each, model):
    for instance in model.objects.all():
        expected = built_by_django(instance)
        assert fields_of(instance) == fields_of(expected)
        assert (instance._state.adding, instance._state.db) == (False, "default")
        assert instance.pk is not None


def test_deferred_fields_stay_unread_until_asked_for(one_of_each):
    issuance = Issuance.objects.only("pk", "badge").get(pk=one_of_each.pk)
    assert issuance.get_deferred_fields() >= {"issued_on", "expires_on", "request_id"}
    assert issuance.request_id == one_of_each.request_id
    assert "request_id" not in issuance.get_deferred_fields()


def test_related_instances_are_read_and_cached_as_before(one_of_each):
    issuance = Issuance.objects.select_related("badge__group").get(pk=one_of_each.pk)
    assert issuance.badge.group.name == one_of_each.badge.group.name
    assert Issuance.badge.is_cached(issuance)


def test_instances_read_by_statements_written_once_are_built_the_same_way(one_of_each):
    [(badge,)] = read_together([RowsWhereIn(Badge, "id", [one_of_each.badge_id])])
    assert fields_of(badge) == fields_of(built_by_django(badge))
    badge.name = "Renamed"
    badge.save(update_fields=["name"])
    assert Badge.objects.get(pk=badge.pk).name == "Renamed"


def test_a_read_where_in_finds_every_key_of_a_long_list_once(one_of_each):
    """Past 50 keys psycopg stops caching a statement's conversion, and on PostgreSQL the keys
    go as one array: every key is found, repeated keys once, unknown keys none."""
    badges = [one_of_each.badge, *BadgeFactory.create_batch(59, org=one_of_each.org)]
    keys = [b.pk for b in badges] + [badges[0].pk, uuid.uuid4()]
    [found] = read_together([RowsWhereIn(Badge, "id", keys, ["id"])])
    assert [b.pk for b in found] == sorted(b.pk for b in badges)
    assert read_together([RowsWhereIn(Badge, "org", [one_of_each.org_id, 10**9])]) != [[]]
    assert read_together([RowsWhereIn(Badge, "id", [])]) == [[]]


def test_reads_sent_together_each_find_what_they_would_find_alone(one_of_each):
    """A read with no keys sends nothing and finds nothing; the others find their rows."""
    names = ["badge", "field", "value"]
    reads = [
        RowsWhereIn(Badge, "org", [one_of_each.org_id]),
        RowsWhereIn(Badge, "id", []),
        ValuesWhereIn(BadgeFieldValue, "badge", [one_of_each.badge_id], names),
        RowsWhereIn(Issuance, "badge", [one_of_each.badge_id, uuid.uuid4()]),
    ]
    badges, none, texts, issuances = read_together(reads)
    assert [fields_of(b) for b in badges] == [fields_of(one_of_each.badge)]
    assert none == []
    assert texts == list(BadgeFieldValue.objects.values_list(*names))
    assert [fields_of(i) for i in issuances] == [
        fields_of(i) for i in Issuance.objects.filter(badge=one_of_each.badge_id)
    ]


@pytest.mark.postgres
def test_the_parts_of_a_badge_read_are_sent_in_one_pipeline_on_postgresql(one_of_each):
    """The definition parts, the authors, the org's custom fields and the badge's texts of
    them go together, their rows waited for once."""
    author = MembershipFactory(org=one_of_each.org).user
    Badge.objects.filter(pk=one_of_each.badge_id).update(created_by=author)
    with statements_sent() as sent:
        selectors.badge_get(org=one_of_each.org, badge_id=one_of_each.badge_id)
    # The badge's row, then 6 parts, the authors, the org's fields and the texts together.
    assert [each.piped for each in sent] == [False, *[True] * 9]


def test_values_read_where_in_are_the_values_a_queryset_reads(one_of_each):
    names = ["badge", "field", "value"]
    [(read,)] = read_together(
        [ValuesWhereIn(BadgeFieldValue, "badge", [one_of_each.badge_id], names)]
    )
    assert read == BadgeFieldValue.objects.values_list(*names).get()
    assert read_together([ValuesWhereIn(BadgeFieldValue, "badge", [], names)]) == [[]]


def test_a_receiver_watching_instances_being_built_sees_every_read_instance(one_of_each):
    seen = []

    def watch(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(watch, sender=Issuance)
    try:
        read = Issuance.objects.get(pk=one_of_each.pk)
    finally:
        post_init.disconnect(watch, sender=Issuance)
    assert seen == [read]
    assert read._state.adding is False
