"""The contract's public names and signatures, per exercise module.

The drift check compares every target package against this table: the
names must be defined in this order (extra names may sit between them), and
each must take exactly these parameters.  Signatures are written without
annotations: name, kind (``*``, ``/``, ``**``) and default are what callers
depend on.  Add a module here when its exercise lands.
"""

from __future__ import annotations

CONTRACT: dict[str, dict[str, str]] = {
    "fanout": {
        "run_all": "(fns, *, limit=None)",
    },
    "errors": {
        "run_settled": "(fns)",
    },
    "timeouts": {
        "call_with_timeout": "(fn, seconds)",
        "call_or_default": "(fn, seconds, default)",
        "run_with_cleanup": "(work, cleanup, *, cleanup_timeout)",
    },
}

# Extra public names the contract itself names, with their own signatures.
EXTRAS: dict[str, dict[str, str]] = {
    "fanout": {
        "run_all_gather": "(fns, *, limit=None)",
    },
}
