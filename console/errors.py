"""Errors the command line reports as one line and exit code 1."""


class CliError(Exception):
    """Something the operator can fix: the message names what is wrong and what to do."""
