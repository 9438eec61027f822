"""The importer of the platform's exports: reading files (formats, encodings, sheets, header
rows), converting the values real exports hold, checking rows and landing them as raw files,
with a quarantine for what it refuses (docs/importing.md)."""
