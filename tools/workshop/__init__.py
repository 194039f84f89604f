"""The workshop kit: ``nox -s workshop -- start|check|diff FRAMEWORK EXERCISE`` and ``pitfalls``.

- ``start trio pool`` writes ``workshop/trio_workshop/pool.py``: the
  contract's names, signatures and docstrings, generated from the reference
  (``trio_impl/pool.py``), with bodies that raise ``NotImplementedError``.
  ``workshop/`` is ignored by git.
- ``check trio pool`` runs the shared suite's tests for that exercise
  against it and reports each CONTRACT.md clause, basics first and
  cancellation last, with a hint for each one that fails.
- ``diff trio pool`` shows it beside the reference, aligned as the reader
  aligns the three versions.
- ``pitfalls [NAME]`` runs the pitfalls gallery (``pitfalls/``).

The instructor's guide is ``docs/workshop.md``.
"""
