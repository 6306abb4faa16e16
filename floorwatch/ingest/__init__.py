"""The ingest: sources into the store, exactly once, with the burnout rounds beside it."""
