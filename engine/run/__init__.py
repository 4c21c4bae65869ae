"""Running jobs, whatever their kind: the runtime one engine holds (`runtime`, `recorder`), a plan's model
and its events (`plan`, `plan_codec`), preloading (`preload`), creating, planning and executing a job
(`jobs`, `executor`, `writes`), checking a stored plan against the workspace (`freshness`), resume, retry
and discard (`recovery`), the locks that keep overlapping jobs apart (`locks`, `selection`), and what a
run reports (`report`, `progress`).

Nothing here knows a job kind: a kind hands `jobs.run_job` its `JobSpec` and its `Planner`.
"""
