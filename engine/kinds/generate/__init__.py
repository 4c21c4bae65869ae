"""Generating payouts: parameters (`params`), the sources' filters (`rules`), preload, plan (with the payout's
words, `describe`, and the fixed fee's proration, `proration`), report, and its registry entry
(`kind.GENERATE`)."""
