"""``python -m tools.workshop``: see ``tools.workshop.cli``.

Absolute imports only: anyio's process workers import the parent's main
module by its path, which a checked ``run_in_process`` test makes them do.
"""

import sys

from tools.workshop.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
