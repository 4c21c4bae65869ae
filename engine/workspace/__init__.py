"""The workspace paydesk works on: its configuration, the schema it needs (`schema`), reading and writing
property values (`props`, `payload`), references between a plan's steps (`refs`), and the record rules
more than one job kind relies on (`records`, `contractors`, `rates`, `months`).

Nothing here talks to Notion or to the event log; a kind imports what it shares with another from here,
never from that other kind.
"""
