"""The eleven CTRS items (Young & Beck 1980; anchors of the revised manual at 0, 2, 4 and 6).

Families follow the scale's own two parts:
- general therapeutic skills: items 1-6 (agenda .. pacing);
- conceptualization, strategy and technique: items 7-11 (guided discovery .. homework).

`prompt` is what the local model reads for the item: a question and the four
anchors, kept short because every token is evaluated on a laptop CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

GENERAL = "general"
CONCEPTUAL = "conceptual"
FAMILY_TITLES = {
    GENERAL: "General therapeutic skills (items 1-6)",
    CONCEPTUAL: "Conceptualization, strategy and technique (items 7-11)",
}
MAX_ITEM = 6
COMPETENCE_LINE = 40  # out of 66: the conventional threshold for competent CBT


@dataclass(frozen=True)
class CtrsItem:
    number: int
    key: str
    title: str
    family: str
    question: str
    anchors: tuple[str, str, str, str]  # 0, 2, 4, 6

    @property
    def prompt(self) -> str:
        a0, a2, a4, a6 = self.anchors
        # The question is left out: the title and anchors say it, and every token costs on a laptop CPU.
        return f"Rate item {self.number}, {self.title}. 0 = {a0}; 2 = {a2}; 4 = {a4}; 6 = {a6}."


ITEMS: tuple[CtrsItem, ...] = (
    CtrsItem(1, "agenda", "Agenda", GENERAL,
             "Did the counsellor set an agenda with the client at the start and follow it?",
             ("no agenda set", "agenda vague or incomplete, or set by the counsellor alone",
              "mutually agreed agenda with specific target problems",
              "agreed agenda with target problems and priorities, suited to the time, and followed")),
    CtrsItem(2, "feedback", "Feedback", GENERAL,
             "Did the counsellor ask for the client's feedback on the session and check understanding?",
             ("no feedback asked for", "some feedback, not enough to know the client's understanding or reactions",
              "checked understanding through the session and asked for reactions; adjusted to them",
              "regularly checked understanding, elicited and responded to reactions, summarised at the end")),
    CtrsItem(3, "understanding", "Understanding", GENERAL,
             "How well did the counsellor understand the client's inner reality and show it (accurate reflections, empathy)?",
             ("repeatedly missed the point; poor empathy", "reflected what was said but missed subtler meaning",
              "grasped the client's internal reality; good listening and empathy",
              "thorough understanding, communicated skilfully; excellent empathy")),
    CtrsItem(4, "interpersonal", "Interpersonal effectiveness", GENERAL,
             "How warm, genuine, confident and professional was the counsellor?",
             ("hostile, demeaning or destructive", "impatient, aloof, dismissive or insincere at times",
              "satisfactory warmth, concern, confidence and professionalism",
              "optimal warmth, concern, genuineness and professionalism for this client")),
    CtrsItem(5, "collaboration", "Collaboration", GENERAL,
             "Did counsellor and client work as a team on a problem the client found important?",
             ("no attempt to collaborate", "tried, but imposed direction or lacked rapport",
              "collaborated on a problem both found important, with rapport",
              "excellent teamwork; client offered choices and took an active role")),
    CtrsItem(6, "pacing", "Pacing and efficient use of time", GENERAL,
             "Did the counsellor structure the time well and keep the session on track?",
             ("no structure; the session seemed aimless", "some direction but poor pacing: drifting, rushed or rigid",
              "time used reasonably well; appropriate control of the flow",
              "time used efficiently; tactfully limited side-tracks; well paced")),
    CtrsItem(7, "guided_discovery", "Guided discovery", CONCEPTUAL,
             "Did the counsellor help the client find new perspectives through questions, rather than debate or lecturing?",
             ("relied on debate, persuasion or lecturing", "too much persuasion, though supportive",
              "mostly guided discovery: evidence, alternatives, questions",
              "skilful questioning; the client drew their own conclusions")),
    CtrsItem(8, "key_cognitions", "Focusing on key cognitions or behaviours", CONCEPTUAL,
             "Did the counsellor elicit and focus on the thoughts, beliefs and behaviours most relevant to the problem?",
             ("no attempt to elicit thoughts, meanings or behaviours", "elicited some, but unfocused or not central",
              "focused on specific relevant thoughts or behaviours",
              "skilfully focused on the key thoughts, beliefs and behaviours most promising for change")),
    CtrsItem(9, "strategy", "Strategy for change", CONCEPTUAL,
             "Did the counsellor follow a coherent CBT strategy for change based on a conceptualisation?",
             ("no CBT strategy", "techniques chosen but the strategy was vague or unpromising",
              "generally coherent, promising strategy using CBT techniques",
              "consistent, very promising strategy with the most fitting CBT techniques")),
    CtrsItem(10, "techniques", "Application of CBT techniques", CONCEPTUAL,
             "How skilfully did the counsellor apply CBT techniques (thought records, evidence, experiments, exposure, activity scheduling)?",
             ("no CBT techniques used", "techniques used with significant flaws",
              "techniques applied with moderate skill", "techniques applied very skilfully and resourcefully")),
    CtrsItem(11, "homework", "Homework", CONCEPTUAL,
             "Did the counsellor review previous homework and agree clear, tailored homework for the coming week?",
             ("no homework", "homework vague, not reviewed or not explained",
              "previous homework reviewed; clear standard CBT homework set",
              "reviewed; carefully tailored homework to test ideas or practise new behaviour")),
)
ITEM_KEYS = tuple(i.key for i in ITEMS)
BY_KEY = {i.key: i for i in ITEMS}
