"""The browser UI at scale: server time of the Badge Universe's pages and of the customer page
next to the API's same reads, and the static payload of a first load.

    make bench-universe          # needs the scale database (make bench-seed once)

In one process against the scale database (10,000 badges in the bench org): each page of the
browser UI and the API list call with the same query string take turns, ``--rounds`` times,
so both see the machine as it is; p50/p95 in ms and queries per call. The customer page of
``c-special`` (200 issuances of 200 badges, among 10,000 live ones) runs next to the API's
read of that customer's badges, 100 to a page as the page shows them. Then the bytes a first
load of the Universe fetches (the page and every stylesheet and script it names), raw and
gzipped. Targets (#13): the Universe's p95 ≤ 150 ms, a first load ≤ 100 KB gzipped.
"""

import argparse
import gzip
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/badges_scale"
UNIVERSE_QUERIES = ["", "status=live&is_active=true&owner=LOYALTY", "ordering=name", "page=200"]
# (what is measured, the UI page, the API call that reads the same rows)
PAIRS = [
    *(
        (f"Universe `{q or '(first page)'}`", f"/badges/ui/?{q}", f"/api/v1/badges/?{q}")
        for q in UNIVERSE_QUERIES
    ),
    (
        "customer page, 200 issuances",
        "/customers/ui/c-special/",
        "/api/v1/customers/c-special/badges/?page_size=100",
    ),
]
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=40, help="calls per page, in all rounds")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_SCALE_DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "badges_project.settings.dev"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.contrib.staticfiles import finders
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from badges.models import Membership
    from badges_project.serving import collected_after_response, garbage_collector_tuned

    membership = Membership.objects.select_related("user", "org").get(user__username="bench")
    ui, api = Client(), Client()
    ui.force_login(membership.user)
    api.defaults["HTTP_AUTHORIZATION"] = f"Token {membership.user.auth_token.key}"
    garbage_collector_tuned()
    print(f"{membership.org.badges.count():,} badges in the org; {args.calls} calls per page")
    print("| page | UI p50 | UI p95 | UI queries | API p50 | API p95 | API queries |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, ui_path, api_path in PAIRS:
        paths = {"ui": ui_path, "api": api_path}
        clients = {"ui": ui, "api": api}
        times = {"ui": [], "api": []}
        counts = {}
        for face, path in paths.items():
            for _ in range(3):
                assert clients[face].get(path).status_code == 200, path
            with CaptureQueriesContext(connection) as captured:
                clients[face].get(path)
            counts[face] = len(captured)
        for _ in range(args.rounds):
            for face, path in paths.items():
                for _ in range(args.calls // args.rounds):
                    started = time.perf_counter()
                    response = clients[face].get(path)
                    times[face].append(time.perf_counter() - started)
                    assert response.status_code == 200
                    collected_after_response()
        print(
            f"| {label} | {statistics.median(times['ui']) * 1000:.1f} | "
            f"{percentile(times['ui'], 0.95):.1f} | {counts['ui']} | "
            f"{statistics.median(times['api']) * 1000:.1f} | {percentile(times['api'], 0.95):.1f} "
            f"| {counts['api']} |"
        )

    page = ui.get("/badges/ui/").content
    rows = [("page (HTML)", len(page), len(gzip.compress(page, 6)))]
    for url in ASSET.findall(page.decode()):
        body = Path(finders.find(url.removeprefix("/static/"))).read_bytes()
        rows.append((url, len(body), len(gzip.compress(body, 6))))
    print("\n| first load of /badges/ui/ | bytes | gzipped |\n| --- | --- | --- |")
    for name, raw, packed in rows:
        print(f"| {name} | {raw:,} | {packed:,} |")
    total = sum(r[1] for r in rows), sum(r[2] for r in rows)
    print(f"| **all** | {total[0]:,} | {total[1]:,} ({total[1] / 1024:.0f} KB) |")


if __name__ == "__main__":
    main()
