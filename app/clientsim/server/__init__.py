"""A lab model server: llama.cpp's llama-server built, started and checked (docs/lab-server.md)."""
