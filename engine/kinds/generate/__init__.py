"""The generate job kind."""
