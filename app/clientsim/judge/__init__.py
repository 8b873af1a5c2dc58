"""The on-device judge: MI coder and metrics (mi/), report assembly (report.py)."""
