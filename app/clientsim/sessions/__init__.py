"""Practice sessions: the turn loop (session.py) and transcript files (transcript.py).

Kept free of imports so `import clientsim.sessions.transcript` stays light;
import the submodules directly.
"""
