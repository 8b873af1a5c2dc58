"""The simulated client: persona prompt, character guard, context condensation."""
