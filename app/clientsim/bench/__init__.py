"""Benchmarks: `clientsim bench NAME` prints figures (ratios measured within one run)."""
