"""The contract's public names and signatures, per exercise module.

The drift check compares every target package against this table: the
names must be defined in this order (extra names may sit between them), and
each must take exactly these parameters.  Signatures are written without
annotations: name, kind (``*``, ``/``, ``**``) and default are what callers
depend on.  Add a module here when its exercise lands, in ``tools.registry.EXERCISES``'s order.
"""

from __future__ import annotations

CONTRACT: dict[str, dict[str, str]] = {
    "fanout": {
        "run_all": "(fns, *, limit=None)",
    },
    "background": {
        "run_with_heartbeat": "(work, *, interval, beat)",
        "run_after_ready": "(service, client)",
    },
    "racing": {
        "first_completed": "(fns)",
        "staggered_race": "(fns, *, delay)",
    },
    "completion": {
        "completed": "(fns)",
    },
    "errors": {
        "run_settled": "(fns)",
    },
    "timeouts": {
        "call_with_timeout": "(fn, seconds)",
        "call_or_default": "(fn, seconds, default)",
        "run_with_cleanup": "(work, cleanup, *, cleanup_timeout)",
    },
    "generators": {
        "ticker": "(interval, *, count=None)",
        "paginate": "(fetch_page)",
        "batched": "(source, *, size, max_wait)",
        "merged": "(*sources)",
    },
    "rate_limit": {
        "RateLimiter": "(rate, period=1.0, *, burst=None)",
    },
    "workers": {
        "process": "(items, handler, *, workers, queue_size=None)",
    },
    "retry": {
        "retry": (
            "(fn, *, attempts=3, base_delay=0.1, max_delay=10.0, multiplier=2.0, jitter=True, "
            "retry_on=<class 'Exception'>, deadline=None, on_retry=None, rng=None)"
        ),
        "retrying": "(**options)",
    },
    "pool": {
        "Pool": "(factory, *, max_size, close=None, acquire_timeout=None)",
    },
    "fetch": {
        "fetch_all": (
            "(urls, *, concurrency=10, request_timeout=10.0, retries=2, rate=None, client=None)"
        ),
        "crawl": "(start_url, *, max_pages=100, concurrency=5, request_timeout=10.0)",
    },
    "offload": {
        "run_blocking": "(fn, *args)",
        "run_in_process": "(fn, *args)",
    },
    "server": {
        "Broadcast": "(*, buffer=16, policy='drop_oldest')",
        "serve_chat": (
            "(*, host='127.0.0.1', port=0, max_clients=100, client_buffer=64, "
            "shutdown_grace=5.0, max_line=4096, <ready>)"
        ),
    },
    "files": {
        "read_all": "(paths, *, limit=10)",
        "write_atomically": "(path, data)",
        "convert_all": "(paths, out_dir, convert, *, limit=10)",
    },
}

# How a server hands back its port, per framework: ``<ready>`` above.
READINESS = {
    "asyncio": "ready=None",
    "trio": "task_status=TASK_STATUS_IGNORED",
    "anyio": "task_status=TASK_STATUS_IGNORED",
}

# Extra public names the contract itself names, with their own signatures.
EXTRAS: dict[str, dict[str, str]] = {
    "completion": {
        "as_completed_leaky": "(fns)",
    },
    "fanout": {
        "run_all_gather": "(fns, *, limit=None)",
    },
}
