"""Telling people when a job needs them: one JSON message to the configured webhook (`[notify] webhook_url`,
or PAYDESK_WEBHOOK_URL) when a job ends with failures, blocked items or drift, or fails.

- `needs_people` and `build_message` are pure: the message is Slack-compatible `text` (who ran which job, how
  it ended, the counts, what to do next) plus structured fields read from the log's projection of the job.
- `deliver` posts it with httpx, retrying connection errors, timeouts, 5xx and 429 (its Retry-After
  respected) with exponential backoff and jitter, for at most `attempts` requests within `limit_s`.
- `open_notifier` (opened by `open_runtime`) runs deliveries in the background of its own nursery, so a
  job's end is recorded and reported without waiting for the webhook; `announce_end` is the one hook, called
  once a job's `JobFinished` is recorded (a kind that ends its job itself, e.g. with drift findings, calls
  it with `drift=`). Every delivery ends as an event: `notification.delivered` or `notification.failed`.
- Leaving `open_notifier` waits for deliveries still under way (each gives up after `limit_s`, so a
  command waits at most that long after its job ended); a cancelled wait (the engine stopped, a second
  Ctrl-C) records each delivery still under way as failed, saying that paydesk stopped.

The webhook's URL is a secret like the Notion token: the log refuses it (`open_runtime` registers it), and
what a receiver or a connection error says is scrubbed of it before it is recorded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email.utils
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
import trio

from engine.workspace.config import NotifySettings, redacted_url
from engine.workspace.money import totals_text
from eventlog import (
    ChainHead,
    EventLog,
    EventLogError,
    JobRow,
    NotificationDelivered,
    NotificationFailed,
    json_object,
)

if TYPE_CHECKING:
    from engine.run.runtime import Runtime

ANSWER_CHARS = 200  # how much of a receiver's answer is recorded
NEEDS_PEOPLE = ("failed", "completed_with_failures")
RECORD_LIMIT_S = 5.0  # how long recording a delivery's end may take once paydesk is stopping


def needs_people(status: str, drift: int = 0) -> bool:
    """A job that failed, ended with items not at their target, or found drift, needs someone."""
    return status in NEEDS_PEOPLE or drift > 0


# ---- the message ------------------------------------------------------------------------------------------


def build_message(
    row: JobRow, head: ChainHead, *, drift: int = 0, operator: str | None = None
) -> dict[str, Any]:
    """The message about how `row`'s job ended: `text` for people (Slack's field), the rest for scripts.
    `operator`: who ran the run that ended (a resume or retry), when not the one who created the job."""
    if operator is not None and operator != row.operator:
        row = dataclasses.replace(row, operator=operator)
    totals = {str(k): str(v) for k, v in sorted(json_object(row.totals).items())}
    counts = {
        "failed": row.items_failed,
        "blocked": row.items_blocked,
        "in_doubt": row.items_running,  # a finished job's running item has a step whose outcome is unknown
        "succeeded": row.items_succeeded,
        "skipped": row.items_skipped,
        "drift": drift,
    }
    return {
        "text": message_text(row, counts, totals),
        "job_id": row.job_id,
        "kind": row.kind,
        "status": row.status,
        "operator": row.operator,
        "counts": counts,
        "totals": totals,
        "error": row.error,
        "chain_head": {"seq": head.seq, "hash": head.hash},
        "finished_at": row.finished_at,
    }


def message_text(row: JobRow, counts: Mapping[str, int], totals: Mapping[str, str]) -> str:
    """Two lines: which job, by whom, how it ended, with its counts; then what to do."""
    shown = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items() if n)
    moves = f" (the plan moves {totals_text(totals)})" if totals else ""
    who = f"paydesk: {row.kind} job `{row.job_id}` run by {row.operator}"
    if row.status == "failed":
        first = f"{who} failed" + (f": {shown}" if shown else "")
        then = (row.error or "see `paydesk show`").strip()
        if len(then) > 300:
            then = then[:299] + "…"
    elif counts["drift"] and row.kind == "reconcile":
        first = f"{who} found {counts['drift']} drift between the log and Notion"
        then = (
            f"`paydesk reconcile --accept {row.job_id} --item … --reason …` or "
            f"`paydesk reconcile --restore {row.job_id} --reason …` (`paydesk show {row.job_id}` lists them)."
        )
    else:
        ended = "ended with failures" if row.status == "completed_with_failures" else f"ended {row.status}"
        first = f"{who} {ended}: {shown or 'nothing done'}{moves}"
        if counts["failed"] or counts["blocked"]:
            then = f"Fix the cause, then `paydesk retry {row.job_id}` (`paydesk show {row.job_id}` says why)."
        elif counts["in_doubt"]:
            then = f"Some outcomes are unknown: `paydesk resume {row.job_id}` settles them."
        else:
            then = f"`paydesk show {row.job_id}` lists what it found."
    return slack_escaped(f"{first}.\n{then}")


def slack_escaped(text: str) -> str:
    """`&`, `<` and `>` as Slack's text wants them (so a name in the text cannot become a link)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---- delivery ---------------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """How a delivery went, filled in as it goes: requests made, the last HTTP status and answer, and why it
    failed ("" while it has not)."""

    delivered: bool = False
    attempts: int = 0
    http_status: int | None = None
    answer: str = ""
    reason: str = ""


def backoff(attempt: int, settings: NotifySettings, rand: random.Random) -> float:
    """The wait after failed attempt `attempt` (1, 2, …): half of the doubling cap, plus jitter up to it."""
    cap = min(settings.max_delay_s, settings.base_delay_s * 2.0 ** (attempt - 1))
    return cap / 2 + rand.uniform(0, cap / 2)


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (a number of seconds or an HTTP date), None if it says none."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds: float = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds)


async def deliver(
    client: httpx.AsyncClient,
    url: str,
    message: Mapping[str, Any],
    settings: NotifySettings,
    *,
    rand: random.Random | None = None,
    into: Delivery | None = None,
) -> Delivery:
    """Post `message` to `url` until it is taken (2xx), refused (another 4xx than 429), `settings.attempts`
    requests were made, or `settings.limit_s` passed; how it went (also left in `into` as it goes, so a
    cancelled delivery's progress is known). Cancellation stops it at once. Never raises otherwise.
    `reason` and `answer` may hold the URL: scrub them (`scrubbed`) before showing or recording them."""
    rand = rand or random.Random()
    done = into if into is not None else Delivery()
    with trio.move_on_after(settings.limit_s) as limit:
        while done.attempts < settings.attempts:
            done.attempts += 1
            wait: float | None = None
            try:
                response = await client.post(url, json=dict(message), timeout=settings.timeout_s)
            except httpx.TimeoutException:
                done.http_status, done.answer = None, ""
                done.reason = f"no answer within {settings.timeout_s:g} s"
            except httpx.TransportError as err:
                done.http_status, done.answer = None, ""
                done.reason = f"cannot reach the webhook ({type(err).__name__}: {err})"
            except (httpx.HTTPError, httpx.InvalidURL) as err:
                done.reason = f"cannot post to the webhook ({type(err).__name__}: {err})"
                return done
            else:
                done.http_status, done.answer = response.status_code, response.text[:ANSWER_CHARS]
                if response.is_success:
                    done.delivered, done.reason = True, ""
                    return done
                if response.status_code != 429 and response.status_code < 500:
                    done.reason = f"the webhook refused the message (HTTP {response.status_code})"
                    return done
                done.reason = f"the webhook answered HTTP {response.status_code}"
                wait = retry_after(response.headers.get("Retry-After"))
            if done.attempts >= settings.attempts:
                break
            delay = backoff(done.attempts, settings, rand) if wait is None else wait
            if trio.current_time() + delay >= limit.deadline:
                asked = "it asked to wait" if wait is not None else "the next try would wait"
                done.reason += f"; {asked} {delay:.3g} s, past the {settings.limit_s:g} s limit"
                return done
            await trio.sleep(delay)
    if limit.cancelled_caught:
        done.reason = f"{done.reason or 'no answer'}; gave up after {settings.limit_s:g} s"
    else:
        done.reason += f"; gave up after {done.attempts} attempts"
    return done


def scrubbed(text: str, url: str) -> str:
    """`text` with the webhook's URL (or its secret path) shown as `https://host/***`."""
    if not url:
        return text
    shown = redacted_url(url)
    after_scheme = url.split("://", 1)[-1]
    path = after_scheme[len(after_scheme.split("/", 1)[0]) :]
    for secret in (url, after_scheme, path if len(path) > 1 else ""):
        if secret:
            text = text.replace(secret, shown)
    return text


# ---- in the background of a runtime -----------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A delivery that ended, as a console tells it: to where (redacted), and why it failed ("" if not)."""

    job_id: str
    delivered: bool
    attempts: int
    to: str
    reason: str = ""


class Notifier:
    """Deliveries of one runtime, each in a task of the nursery `open_notifier` owns."""

    def __init__(
        self,
        rt: Runtime,
        nursery: trio.Nursery,
        client: httpx.AsyncClient,
        settings: NotifySettings,
        rand: random.Random,
    ) -> None:
        self._rt, self._nursery, self._client = rt, nursery, client
        self._settings, self._rand = settings, rand
        self._running: set[trio.Event] = set()
        self.notices: list[Notice] = []  # every delivery that ended, in order (the console toasts them)

    def announce(self, job_id: str, *, drift: int = 0) -> None:
        """Tell the webhook how `job_id` ended if it needs people; returns at once."""
        done = trio.Event()
        self._running.add(done)
        self._nursery.start_soon(self._announce, job_id, drift, done)

    async def wait_idle(self) -> None:
        """Wait until no delivery is under way (each ends within `limit_s`)."""
        while self._running:
            await next(iter(self._running)).wait()

    async def _announce(self, job_id: str, drift: int, done: trio.Event) -> None:
        try:
            await self._deliver(job_id, drift)
        finally:
            self._running.discard(done)
            done.set()

    async def _deliver(self, job_id: str, drift: int) -> None:
        def read(log: EventLog) -> tuple[JobRow | None, ChainHead]:
            return log.job(job_id), log.head()

        try:
            row, head = await self._rt.read_log(read)
        except EventLogError:
            return  # the log cannot be read: what happened to it is reported by whoever uses it next
        if row is None or not needs_people(row.status, drift):
            return
        message = build_message(row, head, drift=drift, operator=self._rt.operator)
        delivery = Delivery()
        try:
            url = self._settings.webhook_url
            await deliver(self._client, url, message, self._settings, rand=self._rand, into=delivery)
        except trio.Cancelled:
            delivery.delivered, delivery.reason = False, "paydesk stopped before the message was delivered"
            with trio.move_on_after(RECORD_LIMIT_S, shield=True):
                await self._record(row, delivery)
            raise
        await self._record(row, delivery)

    async def _record(self, row: JobRow, delivery: Delivery) -> None:
        url = self._settings.webhook_url
        answer, reason = scrubbed(delivery.answer, url), scrubbed(delivery.reason, url)
        envelope = {"job_id": row.job_id, "operator": self._rt.operator, "about": row.status}
        event = (
            NotificationDelivered(
                **envelope, attempts=delivery.attempts, http_status=delivery.http_status or 0, answer=answer
            )
            if delivery.delivered
            else NotificationFailed(
                **envelope,
                attempts=delivery.attempts,
                reason=reason,
                http_status=delivery.http_status,
                answer=answer,
            )
        )
        with contextlib.suppress(EventLogError):  # the log failing is the job's news, not this one's
            await self._rt.recorder.record(event)
        self.notices.append(
            Notice(row.job_id, delivery.delivered, delivery.attempts, redacted_url(url), reason)
        )


@asynccontextmanager
async def open_notifier(rt: Runtime, *, rand: random.Random | None = None) -> AsyncIterator[Notifier | None]:
    """A `Notifier` for `rt` (None when no webhook is configured). Leaving waits for the deliveries still
    under way (see the module docstring); an exception leaving the block is not wrapped in a group."""
    settings = rt.config.notify
    if not settings.webhook_url:
        yield None
        return
    sole: BaseException | None = None
    async with httpx.AsyncClient(follow_redirects=False) as client:
        try:
            async with trio.open_nursery() as nursery:
                notifier = Notifier(rt, nursery, client, settings, rand or random.Random())
                try:
                    yield notifier
                finally:
                    await notifier.wait_idle()  # cancelled: at once, and the nursery cancels the deliveries
        except BaseExceptionGroup as group:  # the block's own exception, wrapped by the nursery
            if len(group.exceptions) != 1:
                raise
            sole = group.exceptions[0]
    if sole is not None:
        raise sole


def announce_end(rt: Runtime, job_id: str, *, drift: int = 0) -> None:
    """The hook: call it once a job's `JobFinished` is recorded (`drift`: findings of a kind that compares,
    such as reconcile). A job that needs people gets its message sent in the background; returns at once."""
    if rt.notifier is not None:
        rt.notifier.announce(job_id, drift=drift)
