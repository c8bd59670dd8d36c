"""Request ids: the rule a client's ``request_id`` follows, and the stored outcome a replay of an
issue request answers with (SPEC 5, step 1)."""

import json
from datetime import datetime

from badges.exceptions import Refusal, RuleViolation
from badges.values import REQUEST_ID_MAX_LENGTH, is_request_id

# Keys of refusal details that hold instants (``next_eligible_at``, a cycle's ``start``/``end``).
INSTANT_KEYS = frozenset({"next_eligible_at", "start", "end"})


def check_request_id(request_id: str, *, required: bool = True) -> None:
    """1 to 255 characters, not blank, no NUL; an enrol may send none (empty)."""
    if not request_id and not required:
        return
    if not request_id.strip():
        raise RuleViolation.one("REQUEST_ID_REQUIRED", "An issue needs a request_id.", "request_id")
    if not is_request_id(request_id):
        raise RuleViolation.one(
            "REQUEST_ID_INVALID",
            f"A request_id has at most {REQUEST_ID_MAX_LENGTH} characters and no NUL.",
            "request_id",
        )


def details_stored(details: dict) -> dict:
    """Refusal details as JSON for the request record, instants in ISO 8601."""
    return json.loads(json.dumps(details, default=lambda value: value.isoformat()))


def _instants_read(value, key: str | None = None):
    if isinstance(value, dict):
        return {k: _instants_read(v, k) for k, v in value.items()}
    if key in INSTANT_KEYS and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def refusal_replayed(code: str, message: str, details: dict) -> Refusal:
    """The refusal a request record stores, equal to the one first answered: its instants are
    instants again, so that every face renders them as it did the first time."""
    return Refusal(code, message, _instants_read(details))
