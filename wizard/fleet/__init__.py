"""Many projects at once: find them, check them with one detection per key, fix them as one batch."""
