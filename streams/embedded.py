"""The embedded runtime: after each commit, events flow in-process to projections and
process managers.

It folds the log into the read model and, for each event past its tracked position, runs
the process managers that react to it (`REACTIONS`) and commits their writes together with
that position. A process manager that refuses (`DomainError`) leaves nothing of its own
behind; its refusal is logged as a `ReactionRefused` event instead. One that raises anything
else leaves nothing of its own either: a `ReactionFailed` event and tripped kill switches
record it (`process_managers/failures.py`) and the desk goes on. After a crash it
resumes at the last position that produced writes; process managers are deterministic, so
events re-run past that point decide exactly as they did before.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import structlog

from adapters.eventstore.store import DeskStore
from domain.aggregates import DomainError, Refusal, StaleWrite
from domain.events import Envelope, Recorded
from domain.ids import refusal_stream
from domain.inputs import InputFact
from projections.desk import DeskView, apply
from streams import view_snapshots
from streams.feed import input_streams
from streams.input_gate import InputGate
from streams.ports import Clock
from streams.process_managers import ProcessManager, Reactions
from streams.process_managers.failures import record_failure
from streams.unit_of_work import UnitOfWork

log = structlog.get_logger("eventdesk.embedded")

RUNTIME_NAME = "embedded"
_RETRIES = 3


class EmbeddedRuntime:
    """Folds the log and runs the reactions to each new event, in log order."""

    def __init__(
        self, store: DeskStore, reactions: Reactions, clock: Clock,
        name: str = RUNTIME_NAME, gate: InputGate | None = None, snapshot_every: int = 0,
    ) -> None:
        self.store = store
        self.reactions = reactions
        self.clock = clock
        self.name = name
        self.gate = gate if gate is not None else InputGate()
        self.view = DeskView()
        self._inbox: deque[Recorded] = deque()
        self._tracked = 0
        # Save the whole view every this many events and start from it (0: never).
        self.snapshot_every = snapshot_every
        self._snapshot_at = 0  # the view's position when it was last saved or resumed
        self._setup = ""  # digest of the view before any event (`view_snapshots`)

    def start(self, process: bool = True) -> None:
        """Fold the log up to the tracked position (from the last snapshot of the view,
        when one matches the log), then (`process`) handle what follows."""
        self._tracked = self.store.tracked(self.name)
        if self.snapshot_every and self.view.position == 0:
            self._setup = view_snapshots.setup_digest(self.view)
            resumed = view_snapshots.resume(self.store, self.name, self._setup)
            self.view = resumed if resumed is not None else self.view
        self._snapshot_at = self.view.position
        for rec in self.store.read_all(self.view.position):
            if rec.position > self._tracked:
                break
            apply(self.view, rec.event, rec.position)
        self._keep_snapshot()
        if process:
            self.pump()

    def pump(self) -> int:
        """Process every event after the view's position until the log is quiet."""
        processed = 0
        while True:
            batch = self._next_batch()
            if not batch:
                return processed
            for rec in batch:
                self._process(rec)
                processed += 1
            self._keep_snapshot()

    def ingest(self, facts: Iterable[InputFact]) -> int:
        """Append outside facts not yet in the log, in one transaction, then pump.

        Facts already logged (same stream and version, same content) are skipped, so feeding
        a source twice duplicates nothing; the gate turns bad facts into rejections.
        """
        for symbol, bar in self.view.market.items():  # after a restart: the closes it knew
            self.gate.last_close.setdefault(symbol, bar.close)
        streams = input_streams(facts, self.store, self.clock, self.gate)
        if streams:
            self._inbox.extend(self.store.commit(*streams))
        self.pump()
        return len(streams)

    def wake(self, position: int) -> None:
        """A transport (Kafka's desk.log) says the log has reached `position`: process what
        follows the view, read from the store in its order.

        The message is only a wake-up. Its content is never processed and it cannot move the
        view past what the store holds: a forged or stale message changes nothing, and a
        message already handled (at-least-once delivery) is ignored.
        """
        if position <= self.view.position:
            return
        self._inbox.clear()
        while self.view.position < position:
            batch = self.store.read(self.view.position, 500)
            if not batch:
                break  # the store holds nothing that far (yet): the view stays where it is
            for rec in batch:
                self._process(rec)
        # What these steps wrote comes back through the transport, in log order.
        self._inbox.clear()

    def execute(self, uow: UnitOfWork) -> list[Recorded]:
        """Commit a command's unit of work and let the desk react to it."""
        recorded = uow.commit()
        self._inbox.extend(recorded)
        self.pump()
        return recorded

    def _keep_snapshot(self) -> None:
        """Save the view every `snapshot_every` events, so a restart folds less."""
        if self.snapshot_every and self.view.position - self._snapshot_at >= self.snapshot_every:
            view_snapshots.keep(self.store, self.name, self.view, self._setup)
            self._snapshot_at = self.view.position

    def _next_batch(self) -> list[Recorded]:
        while self._inbox and self._inbox[0].position <= self.view.position:
            self._inbox.popleft()
        if self._inbox and self._inbox[0].position == self.view.position + 1:
            batch = list(self._inbox)
            self._inbox.clear()
            return batch
        self._inbox.clear()
        return self.store.read(self.view.position, 500)

    def _process(self, rec: Recorded) -> None:
        if rec.position <= self.view.position:
            return
        apply(self.view, rec.event, rec.position)
        for attempt in range(_RETRIES):
            uow = UnitOfWork(self.store, self.clock, rec.event)
            for manager in self.reactions.get(type(rec.event.payload), ()):
                self._react(manager, rec.event, uow)
            try:
                written = (
                    uow.commit(tracking=(self.name, rec.position)) if uow.has_changes else []
                )
            except StaleWrite as e:
                log.warning("stale write, retrying step", attempt=attempt, error=str(e))
                continue
            if written:
                self._tracked = rec.position
                self._inbox.extend(written)
            return
        raise StaleWrite(f"event {rec.position} could not be processed after {_RETRIES} tries")

    def _react(self, manager: ProcessManager, event: Envelope, uow: UnitOfWork) -> None:
        """Run one reaction; a refusal or a failure undoes its changes and is recorded with its
        reason (a failure also pauses the accounts concerned)."""
        uow.savepoint()
        try:
            manager.handle(event, self.view, uow)
        except DomainError as e:
            uow.discard()
            log.warning("reaction refused", process_manager=manager.name, reason=str(e),
                        event_id=str(event.event_id), correlation_id=event.correlation_id)
            uow.get(Refusal, refusal_stream(manager.name, event.event_id)).record(
                manager.name, str(e), event.event_id, event.type, uow.cause(manager.name))
            return
        except Exception as e:  # a bug or absurd data: a poison event must not stop the desk
            uow.discard()
            reason = record_failure(manager.name, event, e, self.view, uow)
            log.error("reaction failed; accounts paused", process_manager=manager.name,
                      reason=reason, event_id=str(event.event_id),
                      correlation_id=event.correlation_id)
            return
        uow.release()
