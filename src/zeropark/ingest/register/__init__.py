"""The park register 园区登记表: a park, its zones, enterprises and meter tree in one file.

A newcomer registers a park from the command line (``zeropark park init FILE``) instead of the
HTTP API. The file is YAML or xlsx (docs/data-formats.md §7):

- :mod:`~zeropark.ingest.register.sheets` — the sheets/sections, columns and accepted names;
- :mod:`~zeropark.ingest.register.parse` — xlsx/yaml → rows with their sheet and row (line);
- :mod:`~zeropark.ingest.register.read` — rows → :class:`ParkRegister`, or every error (file,
  sheet, row, column, what to fix), checked against what the store holds;
- :mod:`~zeropark.ingest.register.template` — the template with an example park, and a stored
  park written back as YAML.

Storing is a use case: :func:`zeropark.services.park_register.register_park` (audited,
idempotent).
"""

from __future__ import annotations

from zeropark.ingest.register.parse import is_register_file
from zeropark.ingest.register.read import ParkRegister, read_register
from zeropark.ingest.register.sheets import EXAMPLE_PARK_ID
from zeropark.ingest.register.template import register_document, register_yaml, write_register_template

__all__ = [
    "EXAMPLE_PARK_ID",
    "ParkRegister",
    "is_register_file",
    "read_register",
    "register_document",
    "register_yaml",
    "write_register_template",
]
