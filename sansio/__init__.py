"""The code that no framework touches, imported by all three implementations.

Argument checks (``validate``), iterating plain or async inputs
(``iterables``), drift-free schedules (``schedule``), retry options and
backoff arithmetic (``retry``), and the HTTP half of ``fetch`` (``fetch``).
None of it imports asyncio, trio or anyio (a test checks), so what the three
packages still hold is the framework-specific part: the part worth comparing.
"""
