"""Lexical detectors for the MITI codes AnnoMI does not label.

AnnoMI tells us the family (question / reflection / input / other), open vs
closed, simple vs complex and the input subtype. It does not label Affirm,
Seeking Collaboration, Emphasizing Autonomy, Confront, or Persuade vs
Persuade with Permission. These are found with phrase patterns. They are
deliberately conservative (precision over recall): a missed affirm costs
the student less than a wrongly reported confrontation. Limits are listed in
docs/mi-judge.md.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE


def _rx(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), _I)


AUTONOMY = _rx(
    r"\b(it'?s|it is|that'?s|that is)\s+(really\s+|totally\s+|entirely\s+|completely\s+)?(up to you|your (choice|decision|call))",
    r"\bup to you\b",
    r"\byour (own )?(choice|decision)\b",
    r"\byou('re| are) the (one|only one|expert|best judge)\b",
    r"\bwhatever you (decide|choose)\b",
    r"\byou (get to|can) (decide|choose)\b",
    r"\bno one can (make|force) you\b",
    r"\byou know (yourself|your life) (best|better)\b",
    r"\bin charge of\b.*\b(your|you)\b",
)

PERMISSION = _rx(
    r"\b(is it|would it be|would that be|is that) (ok(ay)?|alright|all right)( with you)? if i\b",
    r"\b(do|would) you mind if i\b",
    r"\bwould you like (me to|to hear|some|to know)\b",
    r"\bcan i (share|tell you|offer|give you|make a suggestion|suggest)\b",
    r"\bmay i (share|tell you|offer|give you|suggest)\b",
    r"\bwith your permission\b",
    r"\bif (it'?s|that'?s) (ok(ay)?|alright|all right)( with you)?\b",
    r"\bif you('re| are) (interested|open to)\b",
    r"\bif you('d| would) like\b",
    r"\bif (it'?s|it would be|that'?s|that would be) (helpful|useful)\b",
)

COLLABORATION = _rx(
    r"\bwhat (do|would) you (think|make of)\b",
    r"\bwhat would you like to (do|talk|focus|work)\b",
    r"\bwhere would you like to (start|begin|go)\b",
    r"\bwhat would (work|be helpful|help) (best )?(for you)?\b",
    r"\b(let'?s|we could|we can)\b.*\btogether\b",
    r"\bhow does that sound\b",
    r"\bdoes that (sound|seem) (ok(ay)?|alright|all right|right|reasonable|fair)\b",
    r"\bwhat are your thoughts\b",
    r"\byou know (yourself|your situation) better than\b",
)

AFFIRM = _rx(
    r"\b(well done|good for you|great job|good job|nice work|that'?s (great|wonderful|fantastic|impressive|terrific|a big step|a real strength))\b",
    r"\byou('ve| have) (done|worked|managed|made) (so |really |a )?(well|hard|great|a lot|real progress|good progress|an effort)\b",
    r"\bthat (takes|took) (a lot of |some |real )?(courage|strength|guts|commitment|honesty|effort)\b",
    r"\b(i|i really) (appreciate|admire|respect) (that you|your|you)\b",
    r"\byou (should|can) be (proud|pleased)\b",
    r"\byou('re| are) (clearly |really |obviously )?(a (caring|strong|resourceful|determined|loving)|someone who (really )?cares|very (determined|committed|resourceful|strong))\b",
    r"\bthank you for (being so|sharing|your honesty|being honest|coming)\b",
    r"\bit (shows|says) (a lot )?(about you|how much you care|that you care)\b",
)

CONFRONT = _rx(
    r"\byou('re| are) (in denial|an alcoholic|an addict|a drunk|being (ridiculous|irresponsible|selfish|stupid|silly))\b",
    r"\byou('re| are) (just )?making excuses\b",
    r"\b(that'?s|that is) (just )?(not true|ridiculous|nonsense|an excuse|a lie|irresponsible)\b",
    r"\b(don'?t|do not) you (care|think|see|realize|realise)\b.*\?",
    r"\bwhat were you thinking\b",
    r"\bhow (could|can) you\b",
    r"\byou (can'?t|cannot) (be serious|really think|honestly)\b",
    r"\byou('re| are) (not|never) (going to|gonna) (get|make it|succeed|change)\b",
    r"\b(you|you'?ve) (obviously|clearly) (have|got) a problem\b",
    r"\byou (always|never) (do|listen|try)\b",
    r"\bshame on you\b",
    r"\byou know better\b",
    r"\bare you (even )?(listening|serious)\b",
)

DIRECTIVE = _rx(
    r"\byou (really )?(need|have|ought|must|got) to\b",
    r"\byou('d| had) better\b",
    r"\byou (really |just |definitely |seriously )?(should|must)\b",
    r"\bi (want|need) you to\b",
    r"\b(just|simply) (stop|quit|cut|don'?t)\b",
    r"\bi('d| would) (strongly )?(recommend|advise|suggest)\b",
    r"\bmy (advice|recommendation|suggestion) (is|would be)\b",
)

# "You feel you should…" reports the client's view: a reflection, not a directive.
REPORTED = re.compile(r"\b(feel|feeling|felt|think|thinking|thought|believe|said|say|saying|wonder|sounds|seems|"
                      r"wish|worry|worried|heard|told|know|realis|realiz|like)\b[^.?!]{0,25}$", re.I)


def directive_statement(text: str) -> bool:
    """A directive ("you need to stop") said in the counsellor's own voice, not a question or a reflection."""
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        m = DIRECTIVE.search(sentence)
        if m and not sentence.rstrip().endswith("?") and not REPORTED.search(sentence[: m.start()]):
            return True
    return False


# Very common English words: a turn with few of these is likely not English.
_ENGLISH = set(
    """the a an and or but if i you he she it we they me my your his her our their is are was were be been am
    do does did have has had not no yes yeah ok okay so that this what how why when where who which can could
    would should will to of in on at for with about from as just like really think know feel want go get
    there here then than more some any all very too also well oh um uh mm hmm right sure because out up down
    one time much many now people thing things going said say tell told make made work life day week drink
    smoke help good bad little lot bit back over into off only still even never always something anything
    let me us them him been being by kind maybe pretty sort""".split()
)

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


def english_share(text: str) -> float | None:
    """Share of words that are common English words; None when too short to tell."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 3:
        non_ascii = sum(1 for ch in text if ord(ch) > 127 and ch.isalpha())
        if words and non_ascii >= 2:
            return 0.0
        return None
    hits = sum(1 for w in words if w in _ENGLISH or w.split("'")[0] in _ENGLISH)
    return hits / len(words)


def looks_non_english(text: str) -> bool:
    share = english_share(text)
    return share is not None and share < 0.15


def detect(text: str) -> set[str]:
    """Which of the lexically detected codes the text shows."""
    found = set()
    if AUTONOMY.search(text):
        found.add("emphasizing_autonomy")
    if PERMISSION.search(text):
        found.add("permission")
    if COLLABORATION.search(text):
        found.add("seeking_collaboration")
    if AFFIRM.search(text):
        found.add("affirm")
    if CONFRONT.search(text):
        found.add("confront")
    if directive_statement(text):
        found.add("directive")
    return found


# --- what students type (tuned on app/clientsim/judge/mi/practice and AnnoMI; see docs/mi-judge.md) ----------
# AnnoMI is transcribed speech with punctuation; students type without question marks, with typos and text
# speak, and use moves AnnoMI's counsellors rarely make (false reassurance, labelling). These detectors give the
# MITI 4.2.1 code of such lines where the linear coder, trained on AnnoMI, cannot.

# False reassurance, sympathy: MITI codes it Other (not a reflection, not information).
REASSURE = _rx(
    r"\b(don'?t|dont|do not|no need to|nothing to) (worry|stress|panic|be (scared|afraid|worried|nervous))\b",
    r"\byou('ll| will|ll) (be|feel) (absolutely |totally |completely |perfectly |just )?(fine|ok(ay)?|alright|all right|great)\b",
    r"\b(it|everything|things|that)('ll| will| is going to| s going to|'s going to) (all )?(be|turn out) "
    r"(absolutely |totally |completely |perfectly |just )?(fine|ok(ay)?|alright|all right|great)\b",
    r"\bi('m| am) (sure|certain|confident) (it|you|everything|things|that)('ll| will| is| are|'s|'re)\b",
    r"^\s*(sorry|apologies|my bad|i apologi[sz]e|oops)\b",
    r"\bi (promise|guarantee)\b",
    r"\byour \w+ (is|are) (completely |totally |perfectly |absolutely )?(fine|healthy|normal|ok(ay)?)\b",
    r"\b(can'?t|cannot|won'?t|will not) (hurt|harm|kill) you\b",
    r"\byou (really )?(don'?t|dont|do not) (need|have) to (worry|be (scared|afraid|worried))\b",
    r"\b(lots|loads|plenty) of people\b.{0,40}\b(fine|no problem|manage|come out)\b",
)

# Labelling, arguing, shaming and sarcastic or moralising questions (MITI Confront), beyond CONFRONT above.
CONFRONT_MORE = _rx(
    r"\b(you'?re|youre|you are|ur|u r)\s+(just |clearly |obviously |basically |honestly |really )?(being )?"
    r"(in denial|irrational|lazy|selfish|weak|dramatic|paranoid|an? (compulsive |problem |heavy |binge )?"
    r"(gambler|addict|alcoholic|drunk|junkie|stoner|druggie|drinker|smoker))\b",
    r"\b(you'?re|youre|you are|ur) (just )?not (trying|listening|taking (this|it) seriously)\b",
    r"\b(that'?s|thats|that is|it'?s|its) (just |all |only )?(an? )?(excuses?|denial|cop[- ]?out|rubbish|silly)\b",
    r"\bis that (really )?what you want\b",
    r"\bwhy (do|would|can'?t|won'?t) you (keep|even|ever|always)\b", r"\bwhy can'?t you just\b",
    r"\b(come on|seriously)[,.!]",
    r"\byou (obviously|clearly) (don'?t|do not) (care|want)\b",
    r"\bhow (could|can) you (do|say|let|be so|think)\b",
)

# A suggestion put as a question is still advice (MITI Persuade, or with permission when the client's say is in it).
SUGGEST = _rx(
    r"\bwhy (don'?t you|not) (just )?(try|stop|cut|quit|delete|give up|get rid|throw|call|join|sign up|switch|swap)\b",
    r"^\s*(how|what) about (you |trying |cutting |stopping |starting |going |setting |next )",
    r"\bhave you (tried|thought about|considered) (just )?\w+ing\b",
    r"\b(the )?(only|best) (way|thing) (is|to)\b",
    r"\b(it'?s|its|that'?s|thats|is) the only (way|option|answer|thing that works)\b",
    r"^\s*(\w+,? )?you (could|might|may want to|might want to) (try|consider|think about|look at|use|get|start|cut|switch|swap|set)\b",
    r"^\s*(\w+,? )?(would|could) you (be willing to|be up for|consider) (try|trying|cut|cutting|stop|stopping|"
    r"start|starting|set|setting|stay|staying)\b",
    r"\bif you (don'?t|do not|keep|carry on|continue)\b.{0,40}\byou('ll| will| could| might| are going to|'re going to)\b",
)

# Asking for the client's agenda, ideas, choice, reaction or feedback: Seeking Collaboration, whatever its form.
COLLAB_STRONG = _rx(
    r"\b(set|agree|make|put together|plan)\b.{0,15}\b(agenda|plan for (today|the session)|what we (focus|talk|cover))\b",
    r"\b(on|for) (the|our|today'?s) agenda\b",
    r"\bwhat would you like to (start|focus|talk|put|work on|cover|look at|get out of)\b",
    r"\bwhat (do|would) you (want|like) to (focus|talk about|start|work on|cover|get out of)\b",
    r"\bwhere would you like to (start|begin|go)\b",
    r"\bwhat (do|would) you make of (that|this|it)\b",
    r"\bwhat do you think (of|about) (that|this|it|the idea|those|these)\s*\??\s*$",
    r"\bhow does (that|this) sound\b",
    r"\b(is|would) (that|this) (be )?(ok(ay)?|alright|all right|fine)( with you| for you)?\s*\??\s*$",
    r"\bhow (did|has|was) (today|this session|the session|today'?s session|this)\b.{0,20}\b(feel|go|been|for you)\b",
    r"\b(shall|should|can|could) we (start|begin|agree|look at|focus|set|decide|work out|figure out)\b",
    r"\b(what|which) (ideas|options) (do|would) you have\b",
    r"\bwhat (would|might|could) (work|help) (for you|best)\b",
    r"\b(is it|would it be|would that be) (ok(ay)?|alright|all right)( with you)? if (i|we)\b",
    r"\b(do|would) you mind if (i|we)\b",
    r"\bcan i (share|tell you|offer|give you|make a suggestion|suggest)\b",
    r"\bwould you like (me to|to hear|some (ideas|information|info))\b",
)

AUTONOMY_MORE = _rx(
    r"\b(it'?s|its|it is|that'?s|thats)\s+(\w+ )?(your|ur) (call|choice|decision|life)\b",
    r"\byou (decide|choose|get to (decide|choose|pick))\b",
    r"\b(entirely|completely|totally|all) (up to|yours)\b",
    r"\byou('re| are) the one who (knows|decides|gets to)\b",
    r"\bonly you can (decide|know|say)\b",
    r"\b(no pressure|no one can make you|nobody can make you)\b",
)

AFFIRM_MORE = _rx(
    r"\b(that|it|this) (takes|took|shows|showed) (a lot of |some |real |such |great )?"
    r"(guts|courage|strength|commitment|honesty|persistence|determination|effort|insight|bravery)\b",
    r"\b(shows|showed|says) (real |a lot of |how much )?(persistence|determination|commitment|strength|courage|you care)\b",
    r"\byou('re| are|ve been|'ve been) (really |clearly |obviously )?(someone|a person) who\b",
    r"\byou('ve| have) (kept|been) (going|trying|coming|working)\b",
    r"\b(i|i really) (admire|respect|appreciate) (how|the way|that|your)\b",
    r"\byou (really )?(care|cared) (a lot |so much |deeply )?(about|for)\b",
)

# Information about the session itself (the plan for today, time, confidentiality): Giving Information.
AGENDA_INFO = _rx(
    r"^\s*(so |ok(ay)?,? |right,? )?(today|this session|in this session)\b.{0,20}\b(i|we)('d| would| will|'ll| thought| could| are going to|'re going to| have)\b",
    r"\bwe have (about |around )?\d+ ?(min|minutes|mins)\b",
    r"\b(everything|what) you (say|tell me) (here )?(is|stays) (confidential|between)\b",
    r"\b(the )?(target|guideline|recommended|normal range|limit) (is|for|of)\b",
)

_Q_OPEN_START = re.compile(r"^\s*(and |but |so |ok(ay)?,? |right,? |well,? )*(what(?! (i|you|we|she|he|they)('m|'re| am| are| hear| heard|"
                           r" said| mean| want|'ve| have| were| was|'d)\b)|how(?! (much|hard|difficult|important) (it|that|this)\b| about (we|us|you)\b)|"
                           r"why|tell me|describe|in what way|talk me through|wh(ere|o)(?! (is|are|was|were) (it|that|you)\b))\b",
                           re.I)
_Q_CLOSED_WH = re.compile(r"^\s*(and |but |so |ok(ay)?,? )*(how (many|much|often|long|old|far)|what (time|day|age|year|number)|"
                          r"when (did|do|does|is|are|was|were|will|would|can|could|should|have|has)|"
                          r"on a scale|out of (10|ten|100)|from 0)\b|\b(on a scale|out of (10|ten|100)|(0|1|zero|one) to (10|ten|100))\b",
                          re.I)
_Q_AUX_START = re.compile(r"^\s*(and |but |so |ok(ay)?,? |right,? )*(do|does|did|is|are|was|were|have|has|had|can|could|would|will|"
                          r"should|shall|r|ru|u|are u|d'?you|have u|did u|do u|any)\b", re.I)


def last_sentence(text: str) -> str:
    parts = [p for p in re.split(r"(?<=[.!?])\s+|\s*[\n;]\s*", text.strip()) if p.strip()]
    return parts[-1] if parts else text.strip()


def question_form(text: str) -> str | None:
    """"open" or "closed" when the line ends on a question (by its words, with or without a question mark),
    None when it ends on a statement. Students often leave out the question mark."""
    s = last_sentence(text)
    if _Q_CLOSED_WH.search(s):
        return "closed"
    if _Q_OPEN_START.search(s):
        return "open"
    if _Q_AUX_START.search(s):
        return "closed"
    if s.rstrip().endswith("?"):
        return "tag"  # a statement with a question mark: often a reflection said with rising tone
    return None


_REPORTING = re.compile(r"\b(reckon|feel|feeling|think|thought|said|say|mentioned|sounds|seems|believe|worry|worried|"
                        r"hear|heard|told)\b", re.I)


def suggestion(text: str) -> bool:
    """Advice or a warning put as a suggestion or question, in the counsellor's own voice (not a reflection of
    the client's reasoning: "so if you don't have a job you reckon you'll ..." is not a warning)."""
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        m = SUGGEST.search(sentence)
        if m and not _REPORTING.search(sentence):
            return True
    return False


def detect_student(text: str) -> set[str]:
    """Student-typing moves found in the line (see the patterns above)."""
    found = set()
    if REASSURE.search(text):
        found.add("reassure")
    if CONFRONT_MORE.search(text):
        found.add("confront")
    if suggestion(text):
        found.add("suggest")
    if COLLAB_STRONG.search(last_sentence(text)) or COLLAB_STRONG.search(text) and question_form(text):
        found.add("collab_strong")
    if AUTONOMY_MORE.search(text):
        found.add("emphasizing_autonomy")
    if AFFIRM_MORE.search(text):
        found.add("affirm")
    if AGENDA_INFO.search(text):
        found.add("agenda_info")
    return found
