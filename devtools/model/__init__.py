"""What the panes read, in pure Python and numpy (no Qt): the event feed, filters, timeline lanes and their level of
detail, runs and operations, converge audits, state diffs and how values read."""
