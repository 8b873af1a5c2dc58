"""The words stored in the speaker and status columns: the one list every reader and writer uses.

sessions/transcript.schema.json repeats them as enums (a test keeps the two equal).
"""

SPEAKERS = ("counsellor", "client")
STATUSES = ("active", "ended", "interrupted")
