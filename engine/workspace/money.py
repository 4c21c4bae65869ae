"""Money: exact decimal amounts, each rounded once to its currency's minor unit, totals kept per currency.

An amount enters paydesk as the number Notion sent and stays a `decimal.Decimal` until it is written back.
Notion keeps numbers as IEEE doubles and answers them in JSON as the shortest text that reads back to the
same double; `amount()` takes exactly that text (`Decimal(repr(x))`), never the double's binary expansion,
so 5.35 is 5.35 and 0.1 + 0.2 is 0.3. Minor units come from the CLDR's ISO 4217 data (Babel): USD has 2,
VND and JPY 0, KWD 3. Rounding is half-up, once, when an amount is computed (`rounded`); totals add rounded
amounts and never mix currencies. Text shows each currency with its own minor unit and its code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import get_currency_precision

Totals = dict[str, Decimal]
UNKNOWN_CURRENCY_PLACES = 2  # a currency the CLDR does not know (or none given) is shown and rounded so


class NotAnAmount(ValueError):
    """A value that is not a finite number."""


def amount(value: object) -> Decimal:
    """The exact decimal of a number as Notion (JSON) gave it: an int, a float (its shortest text), a
    numeric string or a Decimal. Raises `NotAnAmount` for anything else, NaN and infinities."""
    if isinstance(value, bool):
        raise NotAnAmount(f"{value!r} is not a number")
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, int):
        exact = Decimal(value)
    elif isinstance(value, float):
        exact = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            exact = Decimal(value.strip())
        except InvalidOperation:
            raise NotAnAmount(f"{value!r} is not a number") from None
    else:
        raise NotAnAmount(f"{value!r} is not a number")
    if not exact.is_finite():
        raise NotAnAmount(f"{value!r} is not a finite number")
    return exact


@lru_cache(maxsize=256)
def places(currency: str | None) -> int:
    """The currency's minor unit: 2 for USD, 0 for VND."""
    if not currency:
        return UNKNOWN_CURRENCY_PLACES
    try:
        return int(get_currency_precision(currency.strip().upper()))
    except (KeyError, ValueError):  # pragma: no cover - Babel answers its default for unknown codes
        return UNKNOWN_CURRENCY_PLACES


def rounded(value: Decimal, currency: str | None) -> Decimal:
    """`value` rounded half-up to the currency's minor unit (2.675 USD -> 2.68, 1,000.5 VND -> 1,001)."""
    return value.quantize(Decimal(1).scaleb(-places(currency)), rounding=ROUND_HALF_UP)


def in_minor_units(value: object, currency: str | None) -> Decimal:
    """The exact amount of `value`, written with its currency's minor digits where that changes nothing
    (1150 USD -> 1150.00; 163.456 USD stays 163.456): for showing and comparing an amount as money
    without rounding it."""
    exact = amount(value)
    if not currency:
        return exact
    money = rounded(exact, currency)
    return money if money == exact else exact


def add(totals: Totals, currency: str | None, value: Decimal | None) -> None:
    """Add a (rounded) amount to its currency's total; an amount with no currency is not money moved."""
    if currency and value is not None:
        totals[currency] = totals.get(currency, Decimal(0)) + value


def total(pairs: Iterable[tuple[str | None, Decimal | None]]) -> Totals:
    totals: Totals = {}
    for currency, value in pairs:
        add(totals, currency, value)
    return totals


def converted(value: Decimal, currency: str, to: str, per_usd: Mapping[str, Decimal]) -> Decimal | None:
    """`value` of `currency` in `to`, through USD at the configured units per USD (`[exchange] per_usd`),
    rounded once, half-up, to `to`'s minor unit; None when a rate it needs is not configured."""
    if currency == to:
        return value
    rates = {**per_usd, "USD": Decimal(1)}
    if currency not in rates or to not in rates:
        return None
    return rounded(value / rates[currency] * rates[to], to)


def text(value: Decimal, currency: str | None) -> str:
    """`5,145.00` (USD), `18,700,000` (VND): grouped, with exactly the currency's minor digits."""
    return f"{rounded(value, currency):,.{places(currency)}f}"


def totals_text(totals: Mapping[str, object], empty: str = "-") -> str:
    """`USD 5,145.00 + VND 18,700,000`: each currency with its code, in code order."""
    shown = []
    for currency, value in sorted(totals.items()):
        try:
            shown.append(f"{currency} {text(amount(value), currency)}")
        except NotAnAmount:
            shown.append(f"{currency} {value}")
    return " + ".join(shown) or empty


def encoded(totals: Mapping[str, Decimal]) -> dict[str, str]:
    """Totals as the log stores them: decimal strings with the currency's minor digits."""
    return {currency: str(rounded(value, currency)) for currency, value in sorted(totals.items())}


def decoded(stored: Mapping[str, object]) -> Totals:
    """Totals as the log gives them back (strings, or the floats of an older log), exact."""
    return {currency: amount(value) for currency, value in stored.items()}


@dataclass(frozen=True)
class OverLimit:
    """A currency a plan moves more of than the configuration's `[limits] max_per_job` allows."""

    currency: str
    moved: Decimal
    limit: Decimal

    def __str__(self) -> str:
        shown, most = text(self.moved, self.currency), text(self.limit, self.currency)
        return f"{self.currency} {shown} (the limit is {self.currency} {most})"

    @property
    def typed(self) -> str:
        """The amount an operator types to confirm it anyway: `62000.00`."""
        return text(self.moved, self.currency).replace(",", "")


def over_limits(totals: Mapping[str, object], limits: Mapping[str, Decimal]) -> list[OverLimit]:
    """The currencies of `totals` above `limits` (none when no limit is set for a currency)."""
    found = []
    for currency, value in sorted(totals.items()):
        limit = limits.get(currency.upper())
        moved = amount(value)
        if limit is not None and moved > limit:
            found.append(OverLimit(currency, moved, limit))
    return found
