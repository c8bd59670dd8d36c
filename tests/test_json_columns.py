"""JSON columns are read by orjson into what Django's ``JSONField`` reads; what orjson refuses
is read by Django's field as before."""

import json
import math

import pytest
from django.db import connection

from badges.models import Issuance
from badges.models.json import JSONField
from tests.factories import IssuanceFactory

pytestmark = pytest.mark.django_db

BENEFITS = [
    {
        "type": "COUPON",
        "reference_id": "C-1",
        "name": "Café ☕ 10%",
        "details": {"z": 1, "a": [1.5, None, True]},
    },
    {"type": "POINTS", "reference_id": "P-1", "name": "100", "details": {}},
]


def test_a_stored_document_reads_back_as_json_loads_reads_it():
    issuance = IssuanceFactory(benefits=BENEFITS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT benefits FROM badges_issuance WHERE id = %s", [issuance.pk])
        (stored,) = cursor.fetchone()
    read = Issuance.objects.get(pk=issuance.pk).benefits
    assert read == BENEFITS
    assert json.dumps(read) == json.dumps(json.loads(stored))  # the stored key order too


@pytest.mark.parametrize(
    "text",
    [
        '{"n": 18446744073709551616}',
        '{"n": -9223372036854775809}',
        '{"n": 18446744073709551615, "m": -9223372036854775808}',
        "[1.2345678901234567890123, 1e-7, -0.0]",
        "[-1e999]",
        '{"a": 1, "a": 2}',
        '"text"',
    ],
)
def test_what_orjson_reads_or_refuses_reads_as_json_loads_reads_it(text):
    read = JSONField().from_db_value(text, None, connection)
    assert json.dumps(read) == json.dumps(json.loads(text))


def test_nan_which_orjson_refuses_reads_as_before():
    assert math.isnan(JSONField().from_db_value("NaN", None, connection))
    assert JSONField().from_db_value(None, None, connection) is None
