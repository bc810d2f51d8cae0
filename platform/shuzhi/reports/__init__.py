"""Reports: versions, import, counting (as Word counts), sections and checks."""
