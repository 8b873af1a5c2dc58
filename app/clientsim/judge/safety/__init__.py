"""Safety review: missed risk disclosures, harmful advice, stigma, collusion, harmful flattery, boundaries.

Rules over counsellor turns (see docs/safety.md); fast and deterministic.
"""

from clientsim.judge.safety.flags import CHECK_IDS, CHECKS, SafetyFlag
from clientsim.judge.safety.render import flags_by_turn, render_html, render_md
from clientsim.judge.safety.review import review

__all__ = ["CHECKS", "CHECK_IDS", "SafetyFlag", "flags_by_turn", "render_html", "render_md", "review"]
