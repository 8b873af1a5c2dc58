"""Safety review: missed risk disclosures, harmful advice, stigma, collusion, harmful flattery, boundaries.

Rules over counsellor turns (see docs/safety.md); fast and deterministic. The report's
templates (clientsim.judge.report) draw the section.
"""

from clientsim.judge.safety.flags import CHECK_IDS, CHECKS, SafetyFlag
from clientsim.judge.safety.review import review

__all__ = ["CHECKS", "CHECK_IDS", "SafetyFlag", "review"]
