"""CBT competence on the Cognitive Therapy Rating Scale (11 items, 0-6 each, total /66, competence line 40).

rate() combines cheap detectors over the transcript with the local model's
digit-logit scores per item; see docs/ctrs.md. The report's templates
(clientsim.judge.report) draw the section.
"""

from clientsim.judge.ctrs.items import BY_KEY, COMPETENCE_LINE, ITEM_KEYS, ITEMS, CtrsItem
from clientsim.judge.ctrs.rater import rate

__all__ = ["BY_KEY", "COMPETENCE_LINE", "ITEMS", "ITEM_KEYS", "CtrsItem", "rate"]
