"""Every kind of job paydesk runs, one folder each."""
