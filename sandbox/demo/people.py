"""Contractors, their rates, projects, deployments and project updates."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sandbox.demo import records as v
from sandbox.demo.corpus import CODENAMES, DELIVERABLES, FIRST_NAMES, LAST_NAMES, PRODUCTS
from sandbox.demo.draft import ContractorFacts, DeploymentFacts, Draft, ProjectFacts, RateFacts, UpdateFacts
from sandbox.demo.schemas import BILLING_TYPES, CURRENCIES, PAYDAYS, POSITIONS

HOURS = (1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12)

# How a contractor's current rate starts, by index modulo 7 (the rest start well before the month).
MID_MONTH_START, WEEKEND_START, OPEN_END_DATE = 1, 2, 3


def add_contractors(d: Draft) -> None:
    for i in range(d.shape.contractors):
        first, last = d.rng.choice(FIRST_NAMES), d.rng.choice(LAST_NAMES)
        discord = f"{first}.{last}{i}".lower()
        positions = [POSITIONS[i % len(POSITIONS)]]
        extra = d.rng.choice(POSITIONS)
        if d.rng.random() < 0.2 and extra not in positions:
            positions.append(extra)
        key = d.add(
            "contractors",
            {
                "Full Name": v.title(f"{first} {last}"),
                "Discord": v.text(discord),
                "Team Email": v.email(f"{discord}@team.example"),
                "Position": v.multi_select(positions),
                "Status": v.select("Active"),
            },
        )
        d.contractors.append(ContractorFacts(i, key, f"{first} {last}", discord, positions))


def rate_amounts(rng: random.Random, billing: str, currency: str) -> tuple[int | None, int | None]:
    """(Hourly Rate, Monthly Fixed) for a billing type; Mixed has both."""
    vnd = currency == "VND"
    hourly = rng.randrange(150, 451, 10) * 1000 if vnd else rng.randrange(12, 46)
    monthly = rng.randrange(15, 61) * 1_000_000 if vnd else rng.randrange(8, 41) * 100
    if billing == "Hourly Rate":
        return hourly, None
    if billing == "Monthly Fixed":
        return None, monthly
    return hourly, monthly // 2


def add_rates(d: Draft) -> None:
    """Every contractor gets one Active rate valid in the month, except the no-rate one.

    Billing type, currency and payday cycle with the index so that any six consecutive contractors cover
    every billing type in both currencies and both paydays.
    """
    m = d.month
    for c in d.contractors:
        i = c.index
        billing, currency, payday = BILLING_TYPES[i % 3], CURRENCIES[(i // 3) % 2], PAYDAYS[i % 2]
        c.currency = currency
        if i == d.shape.no_rate_contractor:
            ended = m.first - timedelta(days=d.rng.randrange(10, 40))
            _rate(d, c, "Archived", billing, currency, payday, ended - timedelta(days=400), ended)
            _rate(d, c, "Active", billing, currency, payday, m.last + timedelta(days=d.rng.randrange(1, 10)))
            continue
        style = i % 7
        end: date | None = None
        if style == MID_MONTH_START:
            start = d.rng.choice(m.weekdays(8, 20))
            earlier = start - timedelta(days=d.rng.randrange(200, 500))
            _rate(d, c, "Archived", billing, currency, payday, earlier, start - timedelta(days=1))
        elif style == WEEKEND_START:
            start = d.rng.choice(m.weekend_days(after=1))
        else:
            start = m.first - timedelta(days=d.rng.randrange(30, 700))
        if style == OPEN_END_DATE:
            end = m.following().last + timedelta(days=d.rng.randrange(0, 180))
        c.rate = _rate(d, c, "Active", billing, currency, payday, start, end)


def _rate(
    d: Draft,
    c: ContractorFacts,
    state: str,
    billing: str,
    currency: str,
    payday: str,
    start: date,
    end: date | None = None,
) -> RateFacts:
    hourly, monthly = rate_amounts(d.rng, billing, currency)
    key = d.add(
        "rates",
        {
            "Name": v.title(f"{c.full_name} - {billing} {currency} from {start.isoformat()}"),
            "Status": v.status(state),
            "Start Date": v.when(start),
            "End Date": {"date": None} if end is None else v.when(end),
            "Payday": v.select(payday),
            "Billing Type": v.select(billing),
            "Hourly Rate": v.number(hourly),
            "Monthly Fixed": v.number(monthly),
            "Currency": v.select(currency),
        },
        {"Contractor": [c.key]},
    )
    return RateFacts(key, billing, currency, payday, hourly, monthly, start, end)


def add_projects(d: Draft) -> None:
    for p in range(d.shape.projects):
        codename = CODENAMES[p % len(CODENAMES)]
        if p >= len(CODENAMES):
            codename = f"{codename} {p // len(CODENAMES) + 1}"
        title = f"{codename} {d.rng.choice(PRODUCTS)}"
        key = d.add("projects", {"Project": v.title(title), "Codename": v.text(codename)})
        d.projects.append(ProjectFacts(key, codename, title))


def add_deployments(d: Draft) -> None:
    """Contractor i works on projects i·k … i·k+k-1 (modulo the project count): k distinct projects."""
    per = d.shape.projects_per_contractor
    for c in d.contractors:
        for j in range(per):
            project = d.projects[(c.index * per + j) % len(d.projects)]
            key = d.add(
                "deployments",
                {
                    "Name": v.title(f"{c.discord} @ {project.codename}"),
                    "Deployment Status": v.status("Active"),
                },
                {"Contractor": [c.key], "Project": [project.key]},
            )
            deployment = DeploymentFacts(key, c.index, project)
            c.deployments.append(deployment)
            d.deployments.append(deployment)


def add_updates(d: Draft) -> None:
    """Reviewed updates per deployment, plus Draft, Pending Feedback, Completed and last month's ones."""
    for n, deployment in enumerate(d.deployments):
        for _ in range(d.shape.updates_per_deployment):
            deployment.reviewed.append(_update(d, deployment, "Reviewed", d.day_in_month()))
        extras = [
            ("Draft", n % 3 == 0, d.day_in_month()),
            ("Completed", n % 5 == 1, d.day_in_month()),
            ("Pending Feedback", n % 7 == 3, d.day_in_month()),
            ("Reviewed", n % 11 == 5, d.month.first - timedelta(days=d.rng.randint(1, 20))),
        ]
        for state, wanted, day in extras:
            if wanted:
                _update(d, deployment, state, day)
    if d.shape.awkward and d.deployments:
        first = d.deployments[0]
        contractor = d.contractors[first.contractor]
        _loose_update(d, "no project", {"Contractor": [contractor.key]})
        _loose_update(d, "no contractor", {"Project": [first.project.key]})


def _update(d: Draft, deployment: DeploymentFacts, state: str, day: date) -> UpdateFacts:
    contractor = d.contractors[deployment.contractor]
    hours = float(d.rng.choice(HOURS))
    deliverables = "" if d.rng.random() < 0.1 else "; ".join(d.rng.sample(DELIVERABLES, d.rng.randint(1, 3)))
    key = d.add(
        "updates",
        {
            "Entry": v.title(
                f"{deployment.project.codename} update {day.isoformat()} ({contractor.discord})"
            ),
            "Date": v.when(day),
            "Appx. effort": v.number(hours),
            "Key deliverables": v.text(deliverables),
            "Status": v.status(state),
        },
        {"Contractor": [contractor.key], "Project": [deployment.project.key]},
    )
    return UpdateFacts(key, day, hours, deliverables)


def _loose_update(d: Draft, what: str, relations: dict[str, list[str]]) -> None:
    day = d.day_in_month()
    d.add(
        "updates",
        {
            "Entry": v.title(f"Update with {what} {day.isoformat()}"),
            "Date": v.when(day),
            "Appx. effort": v.number(3.0),
            "Key deliverables": v.text("standup notes"),
            "Status": v.status("Reviewed"),
        },
        relations,
    )
