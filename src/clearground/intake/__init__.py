"""Intake: reading files and forms, validating them with reasons, importing atomically."""
