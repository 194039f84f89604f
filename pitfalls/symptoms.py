"""What a pitfall's broken program does wrong: the names the harness gives what it sees.

A module of its own, with no imports, so that reading a pitfall's facts
(``pitfalls.load``, for the docs and the site) needs none of the harness's
frameworks and tools.
"""

HANGS = "hangs"
LEAKS_A_TASK = "leaks a task"
LOSES_AN_ERROR = "loses an error"
RAISES_THE_WRONG_ERROR = "raises the wrong error"
BLOCKS_THE_LOOP = "blocks the loop"
LEAVES_SOMETHING_OPEN = "leaves something open"
SYMPTOMS = (
    HANGS, LEAKS_A_TASK, LOSES_AN_ERROR, RAISES_THE_WRONG_ERROR, BLOCKS_THE_LOOP,
    LEAVES_SOMETHING_OPEN,
)  # fmt: skip
