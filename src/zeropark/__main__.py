"""``python -m zeropark …``: the ``zeropark`` command line, for when the script is not on PATH."""

from __future__ import annotations

from zeropark.cli import app

if __name__ == "__main__":
    app()
