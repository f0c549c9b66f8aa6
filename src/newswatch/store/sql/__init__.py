"""What the two store backends share: the SQL text, written once with ``?`` marks, and the
mapping of rows to records, over a :class:`~newswatch.store.sql.dialect.Dialect` each backend
gives (its parameter mark, how it writes and reads times and JSON).

Nothing here imports a database library: sqlite-utils and psycopg stay in their backends,
which hand these parts their connection and their dialect.
"""
