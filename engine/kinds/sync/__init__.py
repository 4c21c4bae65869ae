"""The sync job kind."""
