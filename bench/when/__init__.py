"""``python -m bench.when``: the numbers behind the lesson's "when to use async" table.

Each *measurement* answers one row of the lesson's table (many network
requests, database queries, file I/O, CPU-heavy work, real-time events,
simple scripts) with times taken on this machine, per target, against the
plain synchronous way of doing the same work.  ``tools.when`` prints the
table from the recorded results (``bench/results/when.json``).
"""
