"""Retention: deleting final executions older than a cutoff, with everything they own, in batches
of bounded size, each its own short transaction, safe beside the API.

Retry chains go whole or stay whole. `retry_of` is PROTECT (in the database a plain foreign key,
checked at commit), so deleting an attempt that a kept attempt retries would fail the batch; and
deleting a retry while its original stays would make the original look never retried. So an
execution is judged with its chain: its first attempt and every attempt after it (`next_attempt`,
recursively). The chain goes only if every attempt in it is final, created before the cutoff and
locked by the batch; otherwise every attempt in it stays.

Candidates are read oldest first with a keyset on (created_at, id), so that a kept execution is
read once: on the admin's exec_created_all index (created_at, id) across tenants (migration 0002),
on exec_tenant_created for one tenant. A retry is always younger than its original, so a chain is
reached by its first attempt; an attempt whose original still exists was judged with it."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from executions.lifecycle import FINAL
from executions.models import Execution, ExecutionEvent, ExecutionLog, ExecutionStep

DEFAULT_BATCH_SIZE = 1000
MAX_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class Owned:
    """Rows that belong to an execution and go with it: `rows(ids)` selects those of the
    executions `ids` through an index that starts with the execution (or with what it owns)."""

    name: str
    rows: Callable[[list[UUID]], QuerySet]


# Deleted in this order, children before parents, each with one DELETE ... WHERE execution_id IN
# (the batch) on its (execution, ...) index: steps (execution, key), log lines (execution, sequence),
# events (execution, id).
OWNED: list[Owned] = [
    Owned("steps", lambda ids: ExecutionStep.objects.filter(execution_id__in=ids)),
    Owned("log_lines", lambda ids: ExecutionLog.objects.filter(execution_id__in=ids)),
    Owned("events", lambda ids: ExecutionEvent.objects.filter(execution_id__in=ids)),
]


def owned_register(name: str, rows: Callable[[list[UUID]], QuerySet]) -> None:
    """Adds rows another app keeps per execution, deleted before everything above (webhooks'
    deliveries hang off events). Called from that app's AppConfig.ready(): executions never
    imports webhooks. Its `name` becomes a count of the summary."""
    if all(owned.name != name for owned in OWNED):
        OWNED.insert(0, Owned(name, rows))


def count_names() -> list[str]:
    """The summary's counts: executions, then what they own."""
    return ["executions", *(owned.name for owned in OWNED)]


@dataclass
class Batch:
    """What one batch did (or, in a dry run, would do): candidates read and rows deleted per table."""

    examined: int
    counts: dict[str, int] = field(default_factory=dict)


def _candidates(*, tenant_id: UUID | None, cutoff: datetime) -> QuerySet[Execution]:
    candidates = Execution.objects.filter(created_at__lt=cutoff, status__in=FINAL)
    return candidates if tenant_id is None else candidates.filter(tenant_id=tenant_id)


def executions_prunable_count(*, cutoff: datetime, tenant_id: UUID | None = None) -> int:
    """Final executions created before `cutoff`: an upper bound of what a prune deletes (the
    progress bar's total); those whose chain is younger or unfinished stay."""
    return _candidates(tenant_id=tenant_id, cutoff=cutoff).count()


def executions_prune(*, cutoff: datetime, tenant_id: UUID | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                     dry_run: bool = False) -> Iterator[Batch]:
    """Deletes final executions created before `cutoff` (of one tenant, or of all) with what they
    own, `batch_size` candidates per transaction; yields each batch once committed. With `dry_run`
    it deletes nothing and yields what would go, as counted the same way.

    Stopping between two batches (closing the iterator) leaves no execution half deleted."""
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
    # Dry run only: attempts counted with their chain ahead of the keyset, not to be counted again.
    counted: set[UUID] = set()
    after: tuple[datetime, UUID] | None = None
    while True:
        batch, after = _prune_batch(tenant_id=tenant_id, cutoff=cutoff, after=after, size=batch_size,
                                    dry_run=dry_run, counted=counted)
        if batch is None:
            return
        yield batch


def _prune_batch(*, tenant_id: UUID | None, cutoff: datetime, after: tuple[datetime, UUID] | None, size: int,
                 dry_run: bool, counted: set[UUID]) -> tuple[Batch | None, tuple[datetime, UUID] | None]:
    with transaction.atomic():
        candidates = _candidates(tenant_id=tenant_id, cutoff=cutoff)
        if after is not None:
            # The bound on created_at alone lets the index range start at the keyset; the OR breaks ties.
            created_at, pk = after
            candidates = candidates.filter(Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk),
                                           created_at__gte=created_at)
        candidates = candidates.order_by("created_at", "pk")
        if not dry_run:
            # Locked so that a retry of one of them (execution_retry locks its original) either
            # committed before this (and is seen below) or waits for this short batch; one the
            # API holds now is skipped, and kept this time.
            candidates = candidates.select_for_update(skip_locked=True)
        rows = list(candidates.values_list("pk", "created_at", "retry_of_id")[:size])
        if not rows:
            return None, after
        going = _chains_that_go(rows, cutoff=cutoff, dry_run=dry_run, counted=counted)
        batch = Batch(examined=len(rows), counts=_delete(going, dry_run=dry_run))
    return batch, (rows[-1][1], rows[-1][0])


def _chains_that_go(rows: list[tuple[UUID, datetime, UUID | None]], *, cutoff: datetime, dry_run: bool,
                    counted: set[UUID]) -> list[UUID]:
    """The ids of the chains started among `rows` (final, old, oldest first) that go whole."""
    if dry_run:
        already = counted.intersection(pk for pk, _, _ in rows)
        counted.difference_update(already)
        rows = [row for row in rows if row[0] not in already]
    batch = {pk for pk, _, _ in rows}
    # An attempt whose original (older, so read before it) still exists was judged with that
    # original's chain: it stays. One whose original is in this batch is judged with it below.
    originals = {retry_of for _, _, retry_of in rows if retry_of is not None and retry_of not in batch}
    living = set(Execution.objects.filter(pk__in=originals).values_list("pk", flat=True)) if originals else set()
    heads = [pk for pk, _, retry_of in rows if retry_of is None or (retry_of not in batch and retry_of not in living)]

    # Each chain's later attempts, one query per generation (chains are short).
    head_of = {head: head for head in heads}
    members: dict[UUID, list[UUID]] = {head: [head] for head in heads}
    kept: set[UUID] = set()
    outside: list[UUID] = []
    frontier = heads
    while frontier:
        later = Execution.objects.filter(retry_of_id__in=frontier).values_list("pk", "retry_of_id", "status",
                                                                               "created_at")
        frontier = []
        for pk, retry_of, status, created_at in later:
            head = head_of[retry_of]
            head_of[pk] = head
            members[head].append(pk)
            if status not in FINAL or created_at >= cutoff:
                kept.add(head)
            elif head not in kept:
                frontier.append(pk)
                if pk not in batch:
                    outside.append(pk)

    if outside and not dry_run:
        # Attempts past this batch (younger candidates) are locked as well, or their chain stays.
        locked = set(Execution.objects.filter(pk__in=outside).select_for_update(skip_locked=True)
                     .values_list("pk", flat=True))
        kept.update(head_of[pk] for pk in outside if pk not in locked)
        # With every attempt locked, no retry of one can commit any more; one that committed
        # since the read above makes its chain stay.
        going = [pk for head in heads if head not in kept for pk in members[head]]
        newer = Execution.objects.filter(retry_of_id__in=going).exclude(pk__in=going).values_list("retry_of_id",
                                                                                                  flat=True)
        kept.update(head_of[pk] for pk in newer)

    going = [pk for head in heads if head not in kept for pk in members[head]]
    if dry_run:
        counted.update(pk for pk in going if pk not in batch)
    return going


def _delete(ids: list[UUID], *, dry_run: bool) -> dict[str, int]:
    counts = {}
    for owned in OWNED:
        rows = owned.rows(ids)
        counts[owned.name] = (rows.count() if dry_run else _raw_delete(rows)) if ids else 0
    executions = Execution.objects.filter(pk__in=ids)
    counts["executions"] = len(ids) if dry_run or not ids else _raw_delete(executions)
    return {name: counts[name] for name in count_names()}


def _raw_delete(rows: QuerySet) -> int:
    # One DELETE statement. QuerySet.delete() would run Django's collector instead, which loads
    # the rows when a delete signal is connected, and refuses (PROTECT) an attempt deleted together
    # with its retry, which the database accepts (the foreign key is checked at commit).
    return rows._raw_delete(connection.alias)
