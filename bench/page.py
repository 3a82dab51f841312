"""Pages' and exports' server time and query count: the board and the summary of a
map of 500 notes, and the JSON, Markdown, CSV and PDF exports of a map of 2,000.

    DATABASE_URL=... python -m bench.page [--notes 500] [--export-notes 2000] [--runs 20]

Seeds workshops through the app's services (notes spread over the grid by 10 members), then
GETs each address as the facilitator with django.test.Client: the queries of a warm-up run
(counted by an execute wrapper), then the median of N runs (one for the PDF, whose render takes
minutes at 2,000 notes). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=500)
    parser.add_argument("--export-notes", type=int, default=2000, help="0: no export figures")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF (minutes for 2,000 notes)")
    args = parser.parse_args()

    from bench.servers import setup_django

    setup_django(ALLOWED_HOSTS="testserver")
    from django.db import connection
    from django.test import Client

    from bench.load import quiet_broadcasts, seed
    from workshops import ops
    from workshops.models import Participant, Workshop

    def seeded(notes: int) -> Workshop:
        [room] = seed(workshops=1, people=10)
        workshop = Workshop.objects.get(slug=room.slug)
        members = list(Participant.objects.filter(workshop=workshop).exclude(user=workshop.owner))
        with quiet_broadcasts():
            for i in range(notes):
                by = members[i % len(members)]
                data = {
                    "stage": room.stages[i % len(room.stages)],
                    "lane": room.lanes[(i // len(room.stages)) % len(room.lanes)],
                    "text": f"Note {i}: the customer does something worth writing down",
                }
                ops.perform(workshop=workshop, by=by, name="sticky.create", data=data, op_id=f"page-{i}")
        return workshop

    workshop = seeded(args.notes)
    big = seeded(args.export_notes) if args.export_notes else None
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
    pages = [
        ("board", workshop, f"/w/{workshop.slug}/", args.runs),
        ("summary", workshop, f"/w/{workshop.slug}/summary/", args.runs),
    ]
    if big is not None:
        for fmt in ("json", "md", "csv"):
            pages.append((f"export {fmt}", big, f"/w/{big.slug}/export/{fmt}/", args.runs))
        if not args.no_pdf:
            pages.append(("export pdf", big, f"/w/{big.slug}/summary.pdf", 1))  # a render takes minutes
    print("| what | notes | runs | median ms | min ms | max ms | queries | KiB | database |")
    print("|---|---|---|---|---|---|---|---|---|")
    for what, where, url, runs in pages:
        client.force_login(where.owner)
        queries = []  # counted on the connection, whatever DEBUG says and across the pool

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):  # the warm-up run
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            size = len(b"".join(response) if response.streaming else response.content)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response)
            times.append(time.perf_counter() - started)
        notes = args.notes if where is workshop else args.export_notes
        print(
            f"| {what} | {notes} | {runs} | {statistics.median(times) * 1000:.1f} | {min(times) * 1000:.1f} "
            f"| {max(times) * 1000:.1f} | {len(queries)} | {size / 1024:.0f} | {connection.vendor} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
