"""A checkpoint in cleanup inside a cancelled trio scope raises ``Cancelled``, hiding the error.

Trio's cancellation is level-triggered: once a scope is cancelled, every
checkpoint inside it raises ``Cancelled``, including the one in a
``finally`` block or ``__aexit__`` that closes a resource (every trio
``aclose()`` is a checkpoint).  If an error is already on its way out, the
new ``Cancelled`` replaces it (the error survives only as its
``__context__``), and the cancelled scope, here ``move_on_after``, then
catches the ``Cancelled``: the error is gone and the caller carries on.
The fix in trio and anyio is to run such cleanup in a shielded scope with
its own limit, ``move_on_after(5, shield=True)``.  asyncio's cancellation
is edge-triggered: the timeout cancels the task once, so the cleanup's
``await`` runs and the error leaves the block.
"""

from ..symptoms import LOSES_AN_ERROR

TITLE = "a checkpoint in cleanup in a cancelled scope hides the error, and the scope swallows it"
SYMPTOM = LOSES_AN_ERROR
RAISES = "ValueError"
UPSTREAM = "https://github.com/python-trio/trio/issues/1559"
RULE = "ASYNC102"
CELLS = ()
