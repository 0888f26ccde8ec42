"""CLI sub-commands, one module per area (shell). ``zeropark.cli`` composes them."""
