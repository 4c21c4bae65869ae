"""Drift: where Notion no longer holds what the log last recorded, and the plan that would restore it (pure).

Findings, each one item of the reconcile job's plan (so each is an event: its item's `item.planned`, or
`item.skipped` for what cannot be written back):
- `changed`: a property paydesk wrote holds another value now;
- `unexplained`: a property paydesk only saw holds another value now — a write the log does not explain
  (e.g. Paid with no paydesk event);
- `amount`: a payout's Amount differs from the one paydesk planned with, and the payout is Paid;
- `cascade`: a payable is Paid now while one of its payout items is not (a cascade broken by hand);
- `gone`: a record the jobs touched is in the trash, archived, or no longer readable.
The first three can be restored (a write of the logged value, guarded by the value now, like any plan's
step); the last two are reported only. Each names the property, the logged value, the value now, and
Notion's last_edited_time and last_edited_by.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from engine.kinds.reconcile.known import AMOUNT, Known, KnownState
from engine.run.plan import Item, Plan, Skip, Step
from engine.workspace import money, props
from engine.workspace.config import Config

Page = Mapping[str, Any]
RESTORABLE = ("changed", "unexplained", "amount")


@dataclass(frozen=True)
class Finding:
    kind: str
    logical: str
    page: str
    prop: str
    logged: Any
    now: Any
    edited_time: str
    edited_by: str
    label: str
    job_id: str
    how: str
    currency: str | None = None  # a payout's Amount: its currency, to show the amounts as money

    @property
    def key(self) -> str:
        return f"drift:{self.kind}:{self.page}:{self.prop}"

    def words(self) -> str:
        who = f" by {self.edited_by}" if self.edited_by else ""
        when = f", last edited {self.edited_time}{who}" if self.edited_time else ""
        if self.kind == "gone":
            return f"{self.label}: the {self.logical} record {self.page} is gone ({self.now})"
        if self.kind == "cascade":
            return (
                f"{self.label}: the payable is Paid while payout items are not ({self.now}){when}; "
                "a cascade broken by hand"
            )
        what = {
            "changed": "changed after paydesk wrote it",
            "unexplained": "changed in Notion without a paydesk write",
            "amount": "Amount changed after it was paid",
        }[self.kind]
        logged, now = self.shown(self.logged), self.shown(self.now)
        return f"{self.label}: {self.prop} {logged} → {now} ({what}{when})"

    def shown(self, value: Any) -> str:
        """A value for people: an amount as money in its currency, anything else as it is."""
        if self.currency is None or value in (None, ""):
            return _shown(value)
        try:
            return f"{self.currency} {money.in_minor_units(value, self.currency):,}"
        except money.NotAnAmount:
            return _shown(value)

    def data(self) -> dict[str, Any]:
        found = asdict(self)
        found["words"] = self.words()
        return found


def _shown(value: Any) -> str:
    return "(empty)" if value in (None, "") else str(value)


def find_drift(
    state: KnownState, now: Mapping[str, Page], gone: Mapping[str, str], config: Config
) -> list[Finding]:
    """Compare every known property with the page as it is now (`gone`: page -> why it cannot be read)."""
    findings: list[Finding] = []
    amount, currency = config.prop("payouts", AMOUNT), config.prop("payouts", "Currency")
    for (page_id, prop), known in sorted(state.values.items()):
        if page_id in gone:
            continue
        page = now.get(page_id)
        if page is None:
            continue
        current = props.plain(page, prop)
        if props.same(current, _number_if(current, known.value)):
            continue
        is_amount = known.logical == "payouts" and known.prop == amount
        kind = _kind_of(is_amount, known, page, config)
        in_currency = props.plain(page, currency) if is_amount else None
        findings.append(
            _finding(kind, known, current, page, in_currency if isinstance(in_currency, str) else None)
        )
    for page_id, why in sorted(gone.items()):
        if (page_id, "gone") in state.accepted:
            continue
        label = next((k.label for (p, _), k in state.values.items() if p == page_id), page_id)
        job = next((k.job_id for (p, _), k in state.values.items() if p == page_id), "")
        findings.append(
            Finding("gone", state.pages.get(page_id, ""), page_id, "", None, why, "", "", label, job, "")
        )
    findings.extend(_cascades(state, now, config))
    return findings


def _number_if(current: Any, logged: Any) -> Any:
    """A number the log keeps as a decimal string compares as a number with a number."""
    if isinstance(current, Decimal) and isinstance(logged, str):
        try:
            return Decimal(logged)
        except ArithmeticError:
            return logged
    return logged


def _kind_of(is_amount: bool, known: Known, page: Page, config: Config) -> str:
    if is_amount:
        status = props.plain(page, config.prop("payouts", "Status"))
        return "amount" if status == "Paid" else "changed"
    return "changed" if known.how in ("written", "accepted") else "unexplained"


def _finding(kind: str, known: Known, current: Any, page: Page, currency: str | None) -> Finding:
    editor = page.get("last_edited_by")
    edited_by = str(editor.get("id", "")) if isinstance(editor, Mapping) else ""
    return Finding(
        kind,
        known.logical,
        known.page,
        known.prop,
        known.value,
        current,
        props.edited(dict(page)),
        edited_by,
        known.label,
        known.job_id,
        known.how,
        currency,
    )


def _cascades(state: KnownState, now: Mapping[str, Page], config: Config) -> list[Finding]:
    """Payables the jobs touched that are Paid now over a payout item that is not."""
    found = []
    status, items = config.prop("payables", "Payment Status"), config.prop("payables", "Payout Items")
    payout_status = config.prop("payouts", "Status")
    for page_id, logical in sorted(state.pages.items()):
        page = now.get(page_id)
        if logical != "payables" or page is None or props.plain(page, status) != "Paid":
            continue
        children, _ = props.relation(dict(page), items)
        unpaid = sorted(
            child
            for child in children
            if child in now and props.plain(now[child], payout_status) not in ("Paid", "Cancelled")
        )
        if not unpaid:
            continue
        signature = ",".join(unpaid)
        if (page_id, "cascade") in state.accepted:  # accepted: this payable's cascade stays as it is
            continue
        label = next((k.label for (p, _), k in state.values.items() if p == page_id), page_id)
        job = next((k.job_id for (p, _), k in state.values.items() if p == page_id), "")
        editor = page.get("last_edited_by")
        found.append(
            Finding(
                "cascade",
                "payables",
                page_id,
                status,
                "Paid over Paid items",
                signature,
                props.edited(dict(page)),
                str(editor.get("id", "")) if isinstance(editor, Mapping) else "",
                label,
                job,
                "",
            )
        )
    return found


def restore_plan(findings: list[Finding], now: Mapping[str, Page], reads: int) -> Plan:
    """One item per finding: a write of the logged value for those that can be restored, guarded by the
    value now (the usual freshness check refuses it if Notion changed again); the others skipped."""
    items: list[Item] = []
    skips: list[Skip] = []
    for finding in findings:
        page = now.get(finding.page)
        payload = _payload(page, finding) if page is not None and finding.kind in RESTORABLE else None
        if payload is None:
            skips.append(Skip(finding.key, finding.label, finding.kind, finding.words()))
            continue
        step = Step(
            key=f"{finding.logical}:{finding.page}:{finding.prop}={finding.logged}",
            kind="update",
            logical=finding.logical,
            target=finding.page,
            property=finding.prop,
            before=finding.now,
            after=finding.logged,
            write=payload,
            label=f"{finding.label}: {finding.prop} back to {finding.shown(finding.logged)}",
            expect={finding.prop: finding.now},
        )
        items.append(Item(finding.key, finding.label, finding.kind, (step,), finding.data()))
    return Plan(tuple(items), tuple(skips), {}, reads)


def _payload(page: Page, finding: Finding) -> dict[str, Any] | None:
    properties = page.get("properties")
    prop = properties.get(finding.prop) if isinstance(properties, Mapping) else None
    kind = prop.get("type") if isinstance(prop, Mapping) else None
    value = finding.logged
    if kind in ("status", "select") and isinstance(value, str):
        return {finding.prop: props.write_option(kind, value)}
    if kind == "number" and (value is None or isinstance(value, int | float | Decimal | str)):
        return {finding.prop: props.write_number(Decimal(str(value)) if isinstance(value, str) else value)}
    if kind == "date" and isinstance(value, str):
        return {finding.prop: props.write_date(value)}
    return None
