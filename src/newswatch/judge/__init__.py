"""The pure rules of a check: given what was fetched and what is stored, what to write.

:func:`newswatch.judge.plan.plan` decides everything one check writes (a
:class:`~newswatch.store.WritePlan`); the rules it calls live in small modules, each tested
from tables: :mod:`.decisions` (outcome, canonical URL, backoff, schedule), :mod:`.health`
(source failure streaks and events), :mod:`.digest` (which alerts are held for a digest),
:mod:`.identity` (stable ids of changes, events and deliveries), :mod:`.corrections`
(correction notices). Rules are read from tables and tested from tables; no I/O here: the
checker gathers, the store applies.
"""
