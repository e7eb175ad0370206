"""The model of mine action: entities, enums and invariants. No I/O happens here."""
