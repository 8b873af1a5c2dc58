"""The local language model: one llama-cpp-python instance behind a lock."""
