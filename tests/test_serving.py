"""Serving workers collect a request's garbage after its response is sent: the young
generations every time, everything every thousandth response (docs/deploy.md)."""

from badges_project import gunicorn_conf, serving


def collections(monkeypatch, responses: int) -> list[int]:
    collected = []
    monkeypatch.setattr(serving.gc, "collect", lambda generation=2: collected.append(generation))
    monkeypatch.setattr(serving, "_responses", serving.itertools.count(1))
    for _ in range(responses):
        gunicorn_conf.post_request(None, None, {}, None)
    return collected


def test_each_response_is_followed_by_a_collection_of_the_young_generations(monkeypatch):
    assert collections(monkeypatch, 999) == [1] * 999


def test_every_thousandth_response_is_followed_by_a_full_collection(monkeypatch):
    collected = collections(monkeypatch, 2000)
    assert [i + 1 for i, generation in enumerate(collected) if generation == 2] == [1000, 2000]
