"""Personas: the simulated clients trainees practise with.

``model`` holds the dataclasses, ``schema.json`` the file format
(clientsim.persona/1, documented in docs/persona-format.md) and ``loader``
reads, checks and gathers persona files into a ``PersonaLibrary``.
"""

from clientsim.personas.loader import (
    FORMAT,
    PersonaLibrary,
    check_persona,
    load_persona,
    persona_from_dict,
    persona_from_record,
    validate_file,
)
from clientsim.personas.model import (
    DIFFICULTIES,
    MODALITIES,
    RISK_LEVELS,
    STAGES,
    STYLES,
    CbtConceptualization,
    CbtSituation,
    Identity,
    MiProfile,
    Persona,
    Risk,
    Style,
    TraineeBrief,
    Voice,
)

__all__ = [
    "FORMAT",
    "PersonaLibrary",
    "check_persona",
    "load_persona",
    "persona_from_dict",
    "persona_from_record",
    "validate_file",
    "DIFFICULTIES",
    "MODALITIES",
    "RISK_LEVELS",
    "STAGES",
    "STYLES",
    "CbtConceptualization",
    "CbtSituation",
    "Identity",
    "MiProfile",
    "Persona",
    "Risk",
    "Style",
    "TraineeBrief",
    "Voice",
]
