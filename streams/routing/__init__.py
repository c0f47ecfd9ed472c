"""Orders to remote venues from the log: the router sends what `Execution` recorded, the
venue's updates come back as order events, and reconciliation compares the two sides."""
