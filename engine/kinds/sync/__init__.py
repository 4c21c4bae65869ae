"""The task order sync: parameters (`params`), preload, what changes (`work`), plan, proof-of-works
summaries (`summarize`, `llm`), report, and its registry entry (`kind.SYNC`)."""
