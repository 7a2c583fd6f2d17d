"""/metrics in the Prometheus text format.

PUBLIC API:
    Metrics(db)     .registry, .results_ingested (Counter), .ingest_seconds (Histogram),
                    .render() -> (bytes, content_type)

    patrol_results_ingested_total     results stored by this process (duplicates not counted)
    patrol_ingest_seconds             time to ingest one batch, by this process (histogram)
    patrol_tickets_open{level="1".."4"}   live tickets (open ... on_site), from the database
    patrol_sla_breaches_total         SLA breaches recorded (escalations by the scheduler), from
                                      the database

The first two are per process (Prometheus sums the processes it scrapes); the last two are read
from the database at scrape time, so every process reports the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from server.db import Database
from server.models import ticket_events, tickets
from server.tickets import ACTIVE_ORDER, SCHEDULER

ACTIVE_STATES = [s.value for s in ACTIVE_ORDER]
disable_created_metrics()  # *_created series: noise for counters that start with the process


class _DatabaseCollector(Collector):
    def __init__(self, db: Database):
        self.db = db

    def collect(self) -> Iterator[Metric]:
        open_by_level = {level: 0 for level in (1, 2, 3, 4)}
        with self.db.read() as conn:
            for level, count in conn.execute(
                sa.select(tickets.c.level, sa.func.count())
                .where(tickets.c.state.in_(ACTIVE_STATES))
                .group_by(tickets.c.level)
            ):
                open_by_level[int(level)] = int(count)
            breaches = conn.execute(
                sa.select(sa.func.count()).where(
                    ticket_events.c.kind == "escalated", ticket_events.c.actor == SCHEDULER
                )
            ).scalar_one()
        gauge = GaugeMetricFamily(
            "patrol_tickets_open", "Live fault tickets (open to on_site) by level", labels=["level"]
        )
        for level, count in open_by_level.items():
            gauge.add_metric([str(level)], count)
        yield gauge
        counter = CounterMetricFamily(
            "patrol_sla_breaches", "SLA deadlines that passed unanswered (recorded breaches)"
        )
        counter.add_metric([], int(breaches))
        yield counter


class Metrics:
    def __init__(self, db: Database):
        self.registry = CollectorRegistry()
        self.results_ingested = Counter(
            "patrol_results_ingested",
            "Results stored (duplicates excluded), by this process",
            registry=self.registry,
        )
        self.ingest_seconds = Histogram(
            "patrol_ingest_seconds",
            "Time to ingest one batch of results, by this process",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.registry.register(_DatabaseCollector(db))

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
