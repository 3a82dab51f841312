"""The board page's server time and query count for a map of 500 notes.

    DATABASE_URL=... python -m bench.page [--notes 500] [--runs 20]

Seeds a workshop through the app's services (500 notes spread over the grid by 10 members),
then GETs /w/<slug>/ as the facilitator with django.test.Client: the median of N runs after
one warm-up, and the queries of one run (CaptureQueriesContext). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from bench.servers import PRODUCTION

    for key, value in {**PRODUCTION, "ALLOWED_HOSTS": "testserver"}.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "journeymap.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load import quiet_broadcasts, seed
    from workshops import ops
    from workshops.models import Participant, Workshop

    [room] = seed(workshops=1, people=10)
    workshop = Workshop.objects.get(slug=room.slug)
    members = list(Participant.objects.filter(workshop=workshop).exclude(user=workshop.owner))
    with quiet_broadcasts():
        for i in range(args.notes):
            by = members[i % len(members)]
            data = {
                "stage": room.stages[i % len(room.stages)],
                "lane": room.lanes[(i // len(room.stages)) % len(room.lanes)],
                "text": f"Note {i}: the customer does something worth writing down",
            }
            ops.perform(workshop=workshop, by=by, name="sticky.create", data=data, op_id=f"page-{i}")
    # DEBUG off, as in production, but without running collectstatic for the manifest.
    from django.conf import settings
    from django.test import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=storages).enable()
    client = Client()
    client.force_login(workshop.owner)
    url = f"/w/{workshop.slug}/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size = len(response.content)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    print("| notes | runs | median ms | min ms | max ms | queries | page KiB | database |")
    print("|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.notes} | {args.runs} | {statistics.median(times) * 1000:.1f} | {min(times) * 1000:.1f} "
        f"| {max(times) * 1000:.1f} | {len(queries)} | {size / 1024:.0f} | {connection.vendor} |"
    )


if __name__ == "__main__":
    main()
