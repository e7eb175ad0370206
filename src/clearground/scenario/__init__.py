"""The demo scenario: a deterministic, seeded country programme built on real boundaries."""
