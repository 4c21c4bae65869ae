"""The commit job kind."""
