"""Pure judgements of a check: rules read from tables, tested from tables, no I/O."""
