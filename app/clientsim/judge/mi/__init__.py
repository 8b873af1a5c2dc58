"""MITI 4.2.1 coding of counselling sessions.

- ``codes``: the behaviour codes, their families and plain-word labels
- ``rules``: lexical detectors for codes AnnoMI does not label
- ``features`` / ``model``: the trained utterance classifier (artefacts/)
- ``coder``: ``MiCoder`` — code one turn or a whole session
- ``metrics``: summary scores, global ratings, thresholds and band
"""

from clientsim.judge.mi.codes import CODES, FAMILIES, TALK_TYPES  # noqa: F401
