"""The exercises written with trio only.

Every module mirrors ``asyncio_impl`` and ``anyio_impl`` name for name; see
``CONTRACT.md`` for the behaviour all three share.  Timeouts surface as the
builtin ``TimeoutError`` (trio's own is ``trio.TooSlowError``).
"""
