"""Reports and one-shot text outputs: interval reports, burnout history, the snapshot as text."""
