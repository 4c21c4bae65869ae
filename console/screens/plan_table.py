"""The New job screen's plan table: every planned item of a dry run as one row, and one item's writes.

A row names what the operator recognises: the contractor, the business key the item is for (a payable's
invoice id, or the source record's title: a task order, a refund, an invoice split), the amount and its
currency, and how many writes the item needs. An item's writes read `before → after` for an update and
`creates in <data source>: <what it holds>` for a create; a step's key is never shown.

The readers (`plan_rows`, `item_writes`) take the log only through its named reads (`EventLog.items`,
`steps`, `records_of_item`) and run on the console's reader thread; the rest is pure shaping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from console.screens.data import loads
from engine import amount_text as currency_text
from engine import exact_amount, totals_text
from eventlog import EventLog, StepRow, printable

SORTS = ("planned", "contractor", "amount")  # the orders the table cycles through (planned: the plan's own)


@dataclass(frozen=True)
class PlanRow:
    item_key: str  # the row's key in the table; never shown
    contractor: str
    reference: str  # invoice id, or the title of the record the item is for
    amount: Decimal | None
    currency: str
    writes: int  # steps that change something
    at_target: int  # steps already holding their value

    def matches(self, text: str) -> bool:
        """Whether `text` (any case) is part of the contractor's name or of the reference."""
        wanted = text.strip().casefold()
        return not wanted or wanted in self.contractor.casefold() or wanted in self.reference.casefold()


@dataclass(frozen=True)
class PlannedWrite:
    data_source: str
    label: str
    change: str  # "Status: Pending → Paid", or "creates in payouts: Name …, Amount …"
    at_target: bool


def _number(value: Any) -> Decimal | None:
    """An amount as the log holds it (a number, or a decimal string), exact; None when it is none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return exact_amount(value)
    except ValueError:
        return None


def _changes(step: StepRow) -> bool:
    return step.before != step.after


def _reference(label: str, data: Mapping[str, Any], contractor: str) -> str:
    """The business key of an item: its invoice id, its order's title, or its label without the
    contractor's name the planners append (`"Title (Name)"`)."""
    for key in ("invoice_id", "order_title"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    suffix = f" ({contractor})"
    if contractor and label.endswith(suffix):
        return label[: -len(suffix)]
    return label


def plan_rows(log: EventLog, job_id: str) -> list[PlanRow]:
    """The planned items of `job_id` in planned order (the items the plan skipped are not rows)."""
    writes: dict[str, int] = {}
    at_target: dict[str, int] = {}
    for step in log.steps(job_id):
        counts = writes if _changes(step) else at_target
        counts[step.item_key] = counts.get(step.item_key, 0) + 1
    rows: list[PlanRow] = []
    for item in log.items(job_id):
        if item.status == "skipped":
            continue
        data = loads(item.data, {})
        if not isinstance(data, Mapping):
            data = {}
        contractor = str(data.get("contractor") or "")
        amount = _number(data.get("amount", data.get("total")))
        rows.append(
            PlanRow(
                item_key=item.item_key,
                contractor=contractor,
                reference=_reference(item.label, data, contractor),
                amount=amount,
                currency=str(data.get("currency") or "") if amount is not None else "",
                writes=writes.get(item.item_key, 0),
                at_target=at_target.get(item.item_key, 0),
            )
        )
    return rows


def _plain(value: Any) -> str:
    """A Notion property value as the operator reads it (title and text joined, an option's name, a date's
    start, a number, how many pages a relation links)."""
    if not isinstance(value, Mapping):
        return "" if value is None else str(value)
    for kind in ("title", "rich_text"):
        if kind in value:
            parts = value[kind] or []
            return "".join(str((part.get("text") or {}).get("content", "")) for part in parts)
    for kind in ("select", "status"):
        if kind in value:
            return str((value[kind] or {}).get("name", ""))
    if "number" in value:
        number = _number(value["number"])
        if number is None:
            return ""
        return f"{number:,f}"
    if "date" in value:
        return str((value["date"] or {}).get("start", ""))
    if "relation" in value:
        links = len(value["relation"] or [])
        return f"{links} link" if links == 1 else f"{links} links"
    return ""


def _shown(value: Any) -> str:
    """A step's before or after value (JSON text in the log) in words."""
    decoded = loads(value, value)
    if decoded is None:
        return "(empty)"
    if isinstance(decoded, list):
        return ", ".join(str(v) for v in decoded) or "(none)"
    return str(decoded)


def item_writes(log: EventLog, job_id: str, item_key: str) -> list[PlannedWrite]:
    """The writes planned for one item, in planned order."""
    payloads: dict[str, Mapping[str, Any]] = {}
    for record in log.records_of_item(job_id, item_key):
        if record.type == "step.planned" and record.step_key is not None:
            payload = loads(record.payload, {})
            if isinstance(payload, Mapping):
                payloads[record.step_key] = payload
    writes: list[PlannedWrite] = []
    for step in log.steps(job_id, item_key):
        if step.kind == "create":
            written = payloads.get(step.step_key, {}).get("write") or {}
            fields = ", ".join(
                f"{name} {_plain(value)}" for name, value in written.items() if _plain(value) != ""
            )
            change = f"creates in {step.data_source}: {fields or step.label}"
        else:
            change = f"{step.property or '?'}: {_shown(step.before)} → {_shown(step.after)}"
        writes.append(PlannedWrite(step.data_source, step.label, change, not _changes(step)))
    return writes


def writes_text(writes: Sequence[PlannedWrite]) -> str:
    """One line per write, shown literally (names come from the workspace)."""
    lines = []
    for write in writes:
        note = "  (already at target: skipped)" if write.at_target else ""
        lines.append(printable(f"[{write.data_source}] {write.label}: {write.change}{note}"))
    return "\n".join(lines) if lines else "no writes"


# ---- the table --------------------------------------------------------------------------------------


def search(rows: Iterable[PlanRow], text: str) -> list[PlanRow]:
    return [row for row in rows if row.matches(text)]


def sort_rows(rows: Iterable[PlanRow], by: str, descending: bool = False) -> list[PlanRow]:
    """`rows` by contractor (then reference), by amount (rows without one last), or as planned."""
    listed = list(rows)
    if by == "contractor":
        return sorted(listed, key=lambda r: (r.contractor.casefold(), r.reference), reverse=descending)
    if by == "amount":
        with_amount = [r for r in listed if r.amount is not None]
        without = [r for r in listed if r.amount is None]
        ordered = sorted(with_amount, key=lambda r: (r.amount or 0, r.currency), reverse=descending)
        return ordered + without
    return listed[::-1] if descending else listed


def amount_text(row: PlanRow) -> str:
    return "-" if row.amount is None else currency_text(row.amount, row.currency)


def cells(row: PlanRow) -> tuple[str, str, str, str, str]:
    """contractor, reference, amount, currency, writes (shown literally by `tables.cell`)."""
    writes = str(row.writes) + (f" (+{row.at_target} at target)" if row.at_target else "")
    return (row.contractor or "-", row.reference, amount_text(row), row.currency or "-", writes)


def currency_totals(rows: Iterable[PlanRow]) -> dict[str, Decimal]:
    """The amounts of `rows` added up per currency (rows without an amount count nowhere)."""
    totals: dict[str, Decimal] = {}
    for row in rows:
        if row.amount is not None:
            key = row.currency or "?"
            totals[key] = totals.get(key, Decimal(0)) + row.amount
    return totals


def money_text(totals: Mapping[str, Any]) -> str:
    return totals_text(totals, "none")


def plan_totals_text(rows: Sequence[PlanRow], shown: Sequence[PlanRow], moved: Mapping[str, Any]) -> str:
    """`totals: items' amounts USD 7,088.00 (3 items, 15 writes); money moved USD 4,296.00 + VND …`, and
    the share of the rows a search shows. An item's amount is its own (a payable's Total, a payout's
    Amount); what the plan moves (`moved`, the plan's totals) counts every write of money."""

    def part(listed: Sequence[PlanRow]) -> str:
        items = "item" if len(listed) == 1 else "items"
        writes = sum(r.writes for r in listed)
        return f"{money_text(currency_totals(listed))} ({len(listed)} {items}, {writes} writes)"

    line = f"totals: items' amounts {part(rows)}; money moved {money_text(moved)}"
    if len(shown) != len(rows):
        line += f"; shown: {part(shown)}"
    return line
