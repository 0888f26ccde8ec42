"""Industrial symbiosis (产业共生): exchange registry, matching engine, avoided-emission accounting (pure)."""
