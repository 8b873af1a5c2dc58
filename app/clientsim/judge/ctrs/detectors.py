"""One cheap detector per CTRS item (see detect_*.py)."""

from clientsim.judge.ctrs import detect_method, detect_relationship, detect_structure

DETECTORS = {
    "agenda": detect_structure.agenda,
    "feedback": detect_structure.feedback,
    "understanding": detect_relationship.understanding,
    "interpersonal": detect_relationship.interpersonal,
    "collaboration": detect_relationship.collaboration,
    "pacing": detect_structure.pacing,
    "guided_discovery": detect_method.guided_discovery,
    "key_cognitions": detect_method.key_cognitions,
    "strategy": detect_method.strategy,
    "techniques": detect_method.techniques,
    "homework": detect_structure.homework,
}
