"""What the classifier sees for one utterance: its words, its characters, the
turn before it, a few shape cues, and (second stage) what the first stage
thought of the earlier turns. Only earlier turns of the same session are used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer

TOKENS = r"(?u)\b\w+\b|[?!]"
# Bump when shape_features or the text parts change: old artefacts then ask to be retrained.
FEATURE_VERSION = 2
FAMILY_ORDER = ("input", "other", "question", "reflection")
TALK_ORDER = ("change", "neutral", "sustain")


@dataclass
class TurnView:
    """One utterance with the context the coder may use (earlier turns only)."""

    text: str
    speaker: str
    position: int
    prev_text: str = ""
    prev_speaker: str = "none"
    last_counsellor_text: str = ""
    last_client_text: str = ""
    # first-stage probabilities of earlier turns (zeros when absent)
    prev_family: np.ndarray = field(default_factory=lambda: np.zeros(4))
    prev_talk: np.ndarray = field(default_factory=lambda: np.zeros(3))
    last_family: np.ndarray = field(default_factory=lambda: np.zeros(4))
    last_talk: np.ndarray = field(default_factory=lambda: np.zeros(3))


_CHANGE = re.compile(
    r"\b(i|i'?m|we)\b[^.?!]{0,20}\b(want|wanna|need|going|gonna|plan|ready|willing|could|should|have|got|"
    r"would like|'d like|try|trying|will|'ll)\b[^.?!]{0,12}\b(to )?(quit|stop|cut|change|reduce|less|give up|"
    r"start|try|do something|get help|lose|exercise|eat|walk|drink less|smoke less)",
    re.I)
_CHANGE2 = re.compile(r"\b(worried|concerned|scared|afraid|tired of|sick of|better off|ready to|i'll|i will|"
                      r"i can do|i could|for my (kids|children|family|health))\b", re.I)
_SUSTAIN = re.compile(
    r"\b(don'?t (want|think|need|see|have)|not (ready|a problem|that bad|going to|gonna)|no problem|can'?t|"
    r"won'?t|i (like|love|enjoy)|helps? me|it'?s fine|i'?m fine|nothing wrong|everybody|everyone does|"
    r"no way|not really|why should|too hard|never)\b", re.I)
_DIRECTIVE = re.compile(r"\b(you (should|need to|have to|must|ought to|'d better|better)|i (recommend|advise|suggest)|"
                        r"try to|make sure)\b", re.I)
_REFLECT = re.compile(r"^(so|sounds|it sounds|you'?re|you feel|you are|you'?ve|you think|you want|it seems|"
                      r"part of you|on one hand|you don'?t|you'?d)\b", re.I)


def shape_features(v: TurnView, stage2: bool) -> list[float]:
    t = v.text.strip()
    words = t.split()
    n = len(words)
    first = words[0].lower().strip(",.") if words else ""
    out = [
        float(t.endswith("?")),
        float("?" in t),
        float(n <= 3),
        float(n > 30),
        math.log1p(n) / 5.0,
        float(v.prev_speaker == v.speaker),
        float(v.prev_speaker == "none"),
        min(v.position, 200) / 200.0,
        float(v.prev_text.strip().endswith("?")),
        float(first in {"so", "sounds", "it", "you", "seems"}),
        float(first in {"what", "how", "why", "tell", "where", "when"}),
        float(first in {"do", "does", "did", "are", "is", "was", "have", "has", "can", "could", "would", "will"}),
        float(bool(_CHANGE.search(t))),
        float(bool(_CHANGE2.search(t))),
        min(len(_SUSTAIN.findall(t)), 3) / 3.0,
        float(bool(_DIRECTIVE.search(t))),
        float(bool(_REFLECT.search(t))),
        float(any(ch.isdigit() for ch in t)),
    ]
    if stage2:
        out += list(v.prev_family) + list(v.prev_talk) + list(v.last_family) + list(v.last_talk)
    return out


def _word_vec(min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=min_df, token_pattern=TOKENS, dtype=np.float32)


def _char_vec(min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=min_df, dtype=np.float32)


def _tfidf(vec: TfidfVectorizer, docs: list[str]):
    """vec.transform(docs) without scikit-learn's per-call checks (10x faster on a few turns).

    Same result as TfidfVectorizer(sublinear_tf=True, norm="l2") with a fitted vocabulary.
    """
    analyze = getattr(vec, "_fast_analyzer", None)
    if analyze is None:
        analyze = vec._fast_analyzer = vec.build_analyzer()
    vocab = vec.vocabulary_
    idf = vec.idf_
    indptr, indices, data = [0], [], []
    for doc in docs:
        counts: dict[int, int] = {}
        for term in analyze(doc):
            j = vocab.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if counts:
            cols = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
            vals = (1.0 + np.log([counts[c] for c in cols])) * idf[cols]
            vals /= np.sqrt((vals * vals).sum())
            indices.extend(cols.tolist())
            data.extend(vals.tolist())
        indptr.append(len(indices))
    return csr_matrix((np.array(data, dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr)),
                      shape=(len(docs), len(vocab)))


class Featurizer:
    """Turns TurnViews into one sparse matrix; can be saved without pickle."""

    PARTS = ("text_word", "text_char", "prev_word", "last_same_word")
    CONTEXT_WEIGHT = 0.6

    def __init__(self, *, char: bool = True, min_df: int = 2) -> None:
        self.char = char
        self.min_df = min_df
        self.vecs: dict[str, TfidfVectorizer] = {
            "text_word": _word_vec(min_df),
            "prev_word": _word_vec(min_df),
            "last_same_word": _word_vec(min_df),
        }
        if char:
            self.vecs["text_char"] = _char_vec(min_df)

    @staticmethod
    def _source(part: str, v: TurnView) -> str:
        if part in ("text_word", "text_char"):
            return v.text
        if part == "prev_word":
            return v.prev_text or "<start>"
        # the same speaker's previous words (a client's talk type tends to persist)
        same = v.last_counsellor_text if v.speaker == "counsellor" else v.last_client_text
        return same or "<none>"

    def text_matrix(self, views: list[TurnView], fit: bool = False):
        """The words of the turn and of its context (the same for both stages)."""
        mats = []
        for part in self.PARTS:
            vec = self.vecs.get(part)
            if vec is None:
                continue
            docs = [self._source(part, v) for v in views]
            m = vec.fit_transform(docs) if fit else _tfidf(vec, docs)
            if part in ("prev_word", "last_same_word"):
                m = m * self.CONTEXT_WEIGHT
            mats.append(m)
        return hstack(mats).tocsr()

    @staticmethod
    def with_shape(text, views: list[TurnView], stage2: bool):
        shape = csr_matrix(np.array([shape_features(v, stage2) for v in views], dtype=np.float32))
        return hstack([text, shape]).tocsr()

    def fit_transform(self, views: list[TurnView], stage2: bool = False):
        return self.with_shape(self.text_matrix(views, fit=True), views, stage2)

    def transform(self, views: list[TurnView], stage2: bool = False):
        return self.with_shape(self.text_matrix(views), views, stage2)

    # -- saving without pickle: vocabularies and idf weights as arrays
    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        out = {f"{prefix}.config": np.array([int(self.char), self.min_df], dtype=np.int32)}
        for name, vec in self.vecs.items():
            terms = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
            out[f"{prefix}.{name}.terms"] = np.array(terms, dtype=str)
            out[f"{prefix}.{name}.idf"] = vec.idf_.astype(np.float32)
        return out

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> "Featurizer":
        char, min_df = (int(x) for x in arrays[f"{prefix}.config"])
        self = cls(char=bool(char), min_df=min_df)
        for name, vec in self.vecs.items():
            terms = arrays[f"{prefix}.{name}.terms"]
            vec.vocabulary_ = {str(t): i for i, t in enumerate(terms)}
            vec.idf_ = arrays[f"{prefix}.{name}.idf"].astype(np.float64)
        return self


def views_for_session(turns: list[tuple[str, str]], fam_probs=None, talk_probs=None) -> list[TurnView]:
    """TurnViews for a session of (speaker, text); probs are first-stage outputs per turn (or None)."""
    views = []
    last_c = last_cl = ""
    last_f = np.zeros(4)
    last_t = np.zeros(3)
    for i, (speaker, text) in enumerate(turns):
        v = TurnView(text=text, speaker=speaker, position=i)
        if i > 0:
            v.prev_speaker, v.prev_text = turns[i - 1]
            if fam_probs is not None and fam_probs[i - 1] is not None:
                v.prev_family = fam_probs[i - 1]
            if talk_probs is not None and talk_probs[i - 1] is not None:
                v.prev_talk = talk_probs[i - 1]
        v.last_counsellor_text, v.last_client_text = last_c, last_cl
        v.last_family, v.last_talk = last_f, last_t
        views.append(v)
        if speaker == "counsellor":
            last_c = text
            if fam_probs is not None and fam_probs[i] is not None:
                last_f = fam_probs[i]
        else:
            last_cl = text
            if talk_probs is not None and talk_probs[i] is not None:
                last_t = talk_probs[i]
    return views
