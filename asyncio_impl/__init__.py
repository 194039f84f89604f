"""The exercises written with the standard library's asyncio only.

Every module mirrors ``trio_impl`` and ``anyio_impl`` name for name; see
``CONTRACT.md`` for the behaviour all three share.  Where asyncio needs extra
code to give trio's guarantees, the code is here and a comment says why.
"""
