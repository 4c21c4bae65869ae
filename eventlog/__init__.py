"""paydesk's event log: a synchronous, loop-agnostic event store (SQLite, or PostgreSQL for a team), the
source of truth.

- `EventLog` opens or creates a log at a location — a SQLite file (WAL, synchronous=FULL, mode 0600) or a
  `postgresql://` URL (`is_url`; `describe_location` shows one without its password) — migrates its
  schema, appends events with their projections in one transaction, reads projections and events,
  rebuilds, exports, verifies.
- `GroupCommitWriter` owns one writer thread and connection; `submit(events)` returns a receipt (a light
  future) of the stored events, committed together with whatever else was queued.
- The event vocabulary (`JobCreated`, `StepSucceeded`, …) lives in `eventlog.events`; stable type names and
  upcasting of old versions in `eventlog.registry`.
- Named reads (`EventLog.jobs`, `job`, `item`, `jobs_changed`, `records_tail`, `records_of_job`, …) hold
  every query other packages need; their SQL stays in `eventlog.queries`.
- Modules: location, dialect (the connection subset both backends offer), postgres (psycopg adapter),
  migrations (each with SQLite and PostgreSQL statements), codec (canonical bytes, hash chain, secret
  guards), schema (file checks, migrating), projection (pure fold), rows, tables (projection SQL),
  rebuild, queries, store, writer, receipt, export, verify, replay, copy, asof (`EventLog.as_of`: the
  projections as of an event, an `AsOfView`; `Projections` is what both offer).
- `copy_log(source, target)` copies a log to another place (a file to PostgreSQL, or back) with its chain
  intact, in one transaction on the target; `CopyRefused` / `CopyFailed` say why nothing was copied.
"""

from eventlog.amounts import number_properties
from eventlog.asof import AsOfView, Projections
from eventlog.codec import GENESIS_HASH, ChainHead, EventRecord, StoredEvent, canonical_json, json_object
from eventlog.coordination import SessionLocks
from eventlog.copy import CopyFailed, CopyProgress, CopyRefused, CopyReport, copy_log
from eventlog.errors import (
    DamagedLog,
    DiskFull,
    EventLogError,
    ExportError,
    InvalidEvent,
    LogFileError,
    LogMoved,
    LogNotFound,
    LogUnavailable,
    NewerSchema,
    NotAnEventLog,
    OlderSchema,
    ReadOnlyLog,
    SecretRejected,
    SQLiteDatabaseError,
    SQLiteError,
    UnknownEventType,
    WriterClosed,
)
from eventlog.events import (
    EVENTS,
    DriftAccepted,
    DriftRestoreChosen,
    GatewayStats,
    ItemPlanned,
    ItemSkipped,
    JobCancelRequested,
    JobCreated,
    JobDiscarded,
    JobFinished,
    JobPlanned,
    JobResumed,
    JobStarted,
    LogStarted,
    NotificationDelivered,
    NotificationFailed,
    PlanRefreshed,
    PreloadCompleted,
    RetryRequested,
    StepBlocked,
    StepCancelled,
    StepFailed,
    StepPlanned,
    StepResolved,
    StepSkipped,
    StepStarted,
    StepSucceeded,
    WarningRecorded,
    WorkspaceBound,
    WorkspaceLost,
)
from eventlog.export import (
    FORMATS,
    ExportHead,
    Format,
    Selection,
    export_head,
    neutral,
    open_export_file,
    read_export,
    write_empty_export,
    write_export,
)
from eventlog.listen import LogListener
from eventlog.location import Location, describe_location, is_url
from eventlog.queries import PriorCreate
from eventlog.receipt import Receipt
from eventlog.registry import Event, EventRegistry
from eventlog.replay import Difference, ReplayReport, replay_check
from eventlog.rows import ITEM_STATUSES, JOB_STATUSES, STEP_STATUSES, ItemRow, JobRow, PreloadRow, StepRow
from eventlog.store import EventLog
from eventlog.text import json_safe, printable
from eventlog.verify import VerifyReport, verify_chain, verify_log
from eventlog.writer import GroupCommitWriter, WriterStatistics

__all__ = [
    "EVENTS",
    "FORMATS",
    "GENESIS_HASH",
    "ITEM_STATUSES",
    "JOB_STATUSES",
    "STEP_STATUSES",
    "AsOfView",
    "ChainHead",
    "CopyFailed",
    "CopyProgress",
    "CopyRefused",
    "CopyReport",
    "DamagedLog",
    "Difference",
    "DiskFull",
    "DriftAccepted",
    "DriftRestoreChosen",
    "Event",
    "EventLog",
    "EventLogError",
    "EventRecord",
    "EventRegistry",
    "ExportError",
    "ExportHead",
    "Format",
    "GatewayStats",
    "GroupCommitWriter",
    "InvalidEvent",
    "ItemPlanned",
    "ItemRow",
    "ItemSkipped",
    "JobCancelRequested",
    "JobCreated",
    "JobDiscarded",
    "JobFinished",
    "JobPlanned",
    "JobResumed",
    "JobRow",
    "JobStarted",
    "Location",
    "LogFileError",
    "LogListener",
    "LogMoved",
    "LogNotFound",
    "LogStarted",
    "LogUnavailable",
    "NewerSchema",
    "NotAnEventLog",
    "NotificationDelivered",
    "NotificationFailed",
    "OlderSchema",
    "PlanRefreshed",
    "PreloadCompleted",
    "PreloadRow",
    "PriorCreate",
    "Projections",
    "ReadOnlyLog",
    "Receipt",
    "ReplayReport",
    "RetryRequested",
    "SQLiteDatabaseError",
    "SQLiteError",
    "SecretRejected",
    "Selection",
    "SessionLocks",
    "StepBlocked",
    "StepCancelled",
    "StepFailed",
    "StepPlanned",
    "StepResolved",
    "StepRow",
    "StepSkipped",
    "StepStarted",
    "StepSucceeded",
    "StoredEvent",
    "UnknownEventType",
    "VerifyReport",
    "WarningRecorded",
    "WorkspaceBound",
    "WorkspaceLost",
    "WriterClosed",
    "WriterStatistics",
    "canonical_json",
    "copy_log",
    "describe_location",
    "export_head",
    "is_url",
    "json_object",
    "json_safe",
    "neutral",
    "number_properties",
    "open_export_file",
    "printable",
    "read_export",
    "replay_check",
    "verify_chain",
    "verify_log",
    "write_empty_export",
    "write_export",
]
