"""The delivery worker (`manage.py deliver_webhooks`): rounds of (1) turning committed events into
deliveries, (2) claiming due deliveries, (3) POSTing them concurrently from a few threads (a slow
or hanging receiver holds only its own thread, and only up to the time-out), (4) recording each
attempt as it ends, in the main thread. Several workers may run at once (PostgreSQL)."""

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from webhooks import metrics, payloads, services, signing
from webhooks.models import Delivery
from webhooks.sending import Sender

LOG = logging.getLogger("webhooks")
CONCURRENCY = 8
# Deliveries are kept 30 days (services.RETENTION): the worker deletes older ones at its start and hourly.
PRUNE_EVERY_SECONDS = 3600


@dataclass
class Tally:
    dispatched: int = 0
    succeeded: int = 0
    retrying: int = 0
    failed: int = 0
    attempted: set[UUID] = field(default_factory=set)

    @property
    def sent(self) -> int:
        return self.succeeded + self.retrying + self.failed


class Worker:
    def __init__(self, *, timeout: float | None = None, concurrency: int = CONCURRENCY,
                 rng: random.Random | None = None, sender: Sender | None = None):
        self.sender = sender or Sender(timeout=timeout if timeout is not None else settings.WEBHOOK_TIMEOUT_SECONDS)
        self.concurrency = concurrency
        self.rng = rng
        self.stopping = threading.Event()
        self.tally = Tally()
        self._threads = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webhook")
        self._pruned_at: float | None = None

    def stop(self) -> None:
        """Claims nothing more; the attempts in hand finish and are recorded."""
        self.stopping.set()

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self.sender.close()

    def round(self, *, now: datetime | None = None, once: bool = False) -> int:
        """One round; answers how many events and attempts it handled (0: nothing to do)."""
        if self._pruned_at is None or time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
            self._pruned_at = time.monotonic()
            pruned = services.deliveries_prune(now=now)
            if pruned:
                LOG.info("pruned %s webhook deliveries older than 30 days", pruned, extra={"pruned": pruned})
        dispatched = 0
        while not self.stopping.is_set():
            taken = services.events_dispatch(now=now)
            dispatched += taken
            if taken < services.DISPATCH_BATCH:
                break
        self.tally.dispatched += dispatched
        if self.stopping.is_set():
            return dispatched
        # In --once, a delivery is attempted once per run, even when its retry falls due meanwhile.
        claimed = services.deliveries_claim(now=now, limit=self.concurrency * 4,
                                            exclude=self.tally.attempted if once else frozenset())
        if claimed:
            self._send(claimed, now=now)
        metrics.OLDEST_PENDING_AGE.set(services.oldest_pending_age(now=now))
        return dispatched + len(claimed)

    def _send(self, claimed: list[Delivery], *, now: datetime | None) -> None:
        futures = {}
        for delivery in claimed:
            # The signature's time is the sending time, whatever clock the schedule runs on.
            sent_at = timezone.now()
            body = payloads.body_text(delivery.payload)
            headers = signing.signature_headers(
                message_id=str(delivery.pk), at=sent_at, body=body,
                secrets_in_use=services.signing_secrets(delivery.subscription, sent_at),
            )
            future = self._threads.submit(self.sender.post, delivery.subscription.url, body.encode(), headers)
            futures[future] = delivery
        for future in as_completed(futures):
            delivery = futures[future]
            result = future.result()
            recorded = services.delivery_record(delivery_id=delivery.pk, result=result, now=now, rng=self.rng)
            self.tally.attempted.add(delivery.pk)
            if recorded.outcome != "gone":
                setattr(self.tally, recorded.outcome, getattr(self.tally, recorded.outcome) + 1)
                metrics.DELIVERIES.labels(recorded.outcome).inc()
            self._log(delivery, result, recorded)

    @staticmethod
    def _log(delivery: Delivery, result: services.AttemptResult, recorded: services.Recorded) -> None:
        after = recorded.delivery
        LOG.log(
            logging.INFO if result.succeeded else logging.WARNING,
            "webhook %s %s %s", delivery.type, delivery.pk, recorded.outcome,
            extra={
                "delivery_id": str(delivery.pk), "webhook_id": str(delivery.subscription_id),
                "tenant": str(delivery.tenant_id), "event_id": str(delivery.event_id), "type": delivery.type,
                "attempt": after.attempts if after else None, "status_code": result.status_code,
                "duration_ms": result.duration_ms, "error": result.error, "outcome": recorded.outcome,
                "next_attempt_at": after.next_attempt_at.isoformat() if after and after.next_attempt_at else None,
                "subscription_disabled": recorded.disabled,
            },
        )

    def run_once(self, *, now: datetime | None = None) -> Tally:
        """Everything due now, each delivery attempted at most once; then returns."""
        while not self.stopping.is_set() and self.round(now=now, once=True):
            pass
        return self.tally

    def run_forever(self, *, interval: float = 1.0, on_round=None) -> Tally:
        """Rounds until stop(); waits `interval` seconds when a round found nothing."""
        while not self.stopping.is_set():
            try:
                busy = self.round()
            finally:
                # A connection the database dropped is not kept (never inside an atomic block: a
                # test's transaction would be closed with it).
                if not connection.in_atomic_block:
                    close_old_connections()
            if on_round:
                on_round(self.tally)
            if not busy:
                self.stopping.wait(interval)
        return self.tally
