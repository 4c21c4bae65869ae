"""Where a log lives: a SQLite file (a path) or a PostgreSQL database (a `postgresql://` URL).

`describe_location` is what any message shows of a location: a URL with its password (and any password
given as a query parameter) replaced by `***`, never the secret itself.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

Location = str | Path
"""A log's location: a path of a SQLite file, or a `postgresql://` (or `postgres://`) URL."""

URL_SCHEMES = ("postgresql://", "postgres://")
REDACTED = "***"
_SECRET_PARAMETERS = frozenset({"password", "sslpassword"})


def is_url(location: Location) -> bool:
    """Whether `location` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(location, str) and location.lower().startswith(URL_SCHEMES)


def describe_location(location: Location) -> str:
    """`location` as it may be shown: a path as it is, a URL without its password."""
    if not is_url(location):
        return str(location)
    text = str(location)
    parts = urlsplit(text)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if at:
        user, colon, password = userinfo.partition(":")
        if colon and password:
            userinfo = f"{user}:{REDACTED}"
    netloc = f"{userinfo}@{hostport}" if at else hostport
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(key, REDACTED if key.lower() in _SECRET_PARAMETERS else value) for key, value in pairs],
            safe="*",
        )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def secrets_of(location: Location) -> tuple[str, ...]:
    """The secret values a URL carries (its password), to be scrubbed from any text shown."""
    if not is_url(location):
        return ()
    parts = urlsplit(str(location))
    found: list[str] = []
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        _, colon, password = userinfo.partition(":")
        if colon and password:
            found += [password, unquote(password)]
    found += [value for key, value in parse_qsl(parts.query) if key.lower() in _SECRET_PARAMETERS and value]
    return tuple(found)


def scrub(text: str, location: Location) -> str:
    """`text` with every secret of `location` replaced by `***`."""
    for secret in sorted(secrets_of(location), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def as_location(location: Location) -> Location:
    """A URL as given, anything else as a `Path`."""
    return str(location) if is_url(location) else Path(location)
