"""The client's inner state, kept in code and updated from what the student does.

The language model only puts the client's next *move* into words; whether the
client opens up, holds on, pushes back or tells what they kept back is decided
here, deterministically, from the persona's starting values and the MITI code
of every counsellor turn. See docs/client-state.md.
"""

from clientsim.client.state.model import ClientState
from clientsim.client.state.moves import Move
from clientsim.client.state.profile import StateProfile
from clientsim.client.state.tracker import StateTracker

__all__ = ["ClientState", "Move", "StateProfile", "StateTracker"]
