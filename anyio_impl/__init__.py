"""The exercises written with anyio only, for both of its backends.

Every module mirrors ``asyncio_impl`` and ``trio_impl`` name for name; see
``CONTRACT.md`` for the behaviour all three share.  anyio brings trio's
semantics (task groups, level cancellation, shielded cancel scopes) to
asyncio, so this code reads like the trio version and runs on either.
"""
