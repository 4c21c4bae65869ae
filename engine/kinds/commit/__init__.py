"""The payout commit: parameters (`params`), preload, plan, report, and its registry entry (`kind.COMMIT`)."""
