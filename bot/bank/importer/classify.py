"""Topic and difficulty for imported entries, plus the hand-written overrides applied last.

Topic: the first rule that fires wins.
1. Overrides (`questions/curation/overrides.yaml`, id → {topic?, difficulty?, prompt?}) are applied last, after
   the rules; a `prompt` override rewords the question and keeps its id.
2. The topic hint, then the section path, are read from their most specific component outwards
   (parts are separated by " / "; `"SQL / SQL Basics / Advanced SQL Concepts"` → `Advanced SQL Concepts`
   first). The first component naming anything decides:
   - a *firm* name maps straight to a topic: PyTorch → pytorch, TensorFlow/Keras → tensorflow-keras,
     SQL → sql, DevOps/MLOps → mlops, troubleshooting/debugging → troubleshooting, NumPy/pandas/
     matplotlib → python-data, statistics/linear algebra/calculus/hypothesis/A-B testing/categorical
     data → statistics-math, CNN/convolutional/YOLO/vision → computer-vision, NLP/transformers/LLM/
     generative AI → nlp-llm, data structures and algorithm chapters → algorithms, system design →
     system-design;
   - a *soft* (generic) name — deep learning, neural networks, RNN/LSTM, autoencoders, GANs, or
     ML/AI/data science/best practices/levels — only sets the default (deep-learning or
     ml-fundamentals); the keyword rules below decide first.
3. Keyword rules on the prompt, in this order: troubleshooting (debug, not converging, loss not
   decreasing, "performs poorly in production", "fix it"), system-design ("design a ... system",
   "how would you build a model to detect/predict", "architect this", recommender systems, data that does
   not fit in memory, serving at low latency), mlops (deploy, production, monitoring, drift, versioning,
   reproducibility, CI/CD, containers, inference speed, quantization/pruning), pytorch / tensorflow-keras
   (only when a single framework is named), sql, python-data, nlp-llm, computer-vision, statistics-math,
   algorithms, deep-learning.
4. Otherwise the soft default, else ml-fundamentals.

Difficulty:
1. The document's own level word: Beginner/Basic/Easy → easy, Intermediate/Medium → medium,
   Expert/Advanced/Hard → hard.
2. Else a level word in the section or topic hint, most specific first (`SQL Basics / Advanced SQL
   Concepts` → hard, `Hypothesis Testing Basics` → easy, `Best Practices and Intermediate Topics` → medium;
   "Basics", "Introduction" and "Fundamentals" count as easy).
3. Else the prompt: scenario and design questions are hard (starts with "You"/"Your", "design a",
   "architect", "how would you build/design/deploy/scale", "debug", "in production", "from first
   principles", "at scale"); a short definition (under 80 characters, one sentence, "What is/are ...",
   "Define ...", "Name ...") is easy; everything else is medium.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.bank.model import DIFFICULTIES, TOPICS

_I = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class _HintRule:
    pattern: re.Pattern[str]
    topic: str
    firm: bool


def _rule(pattern: str, topic: str, *, firm: bool = True) -> _HintRule:
    return _HintRule(re.compile(pattern, _I), topic, firm)


HINT_RULES: tuple[_HintRule, ...] = (
    _rule(r"pytorch", "pytorch"),
    _rule(r"tensorflow|keras", "tensorflow-keras"),
    _rule(r"\bsql\b", "sql"),
    _rule(r"devops|mlops|machine learning operations", "mlops"),
    _rule(r"troubleshoot|debugging", "troubleshooting"),
    _rule(r"numpy|pandas|matplotlib", "python-data"),
    _rule(
        r"statistic|linear algebra|calculus|hypothesis|a-b testing|a/b testing|categorical data|"
        r"probabilit|z-score",
        "statistics-math",
    ),
    _rule(r"\bcnns?\b|convolutional|yolo|computer vision|\bvision\b", "computer-vision"),
    _rule(
        r"\bnlp\b|natural language|transformer|\bllms?\b|large language|generative ai|language model",
        "nlp-llm",
    ),
    _rule(
        r"data structure|basics of algorithms|arrays and strings|sorting and searching|linked list|"
        r"trees and graphs|dynamic programming",
        "algorithms",
    ),
    _rule(r"system design", "system-design"),
    _rule(
        r"deep learning|neural network|recurrent|\brnns?\b|lstm|\bgrus?\b|autoencoder|decoder|\bgans?\b",
        "deep-learning",
        firm=False,
    ),
    _rule(
        r"machine learning|\bml\b|data science|artificial intelligence|\bai\b|best practices|model selection|"
        r"fundamentals|beginner|intermediate|expert|advanced|basic",
        "ml-fundamentals",
        firm=False,
    ),
)

_FRAMEWORK_PYTORCH = re.compile(r"\bpytorch\b|\btorch\b|model\.eval\(\)|no_grad|nn\.module|dataloader", _I)
_FRAMEWORK_TF = re.compile(r"tensorflow|\bkeras\b|\btf\.", _I)
_FRAMEWORK = "<framework>"

KEYWORD_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "troubleshooting",
        re.compile(
            r"\bdebug\w*|troubleshoot\w*|not converg\w*|non-converging|"
            r"loss (is )?(not decreasing|stuck)|loss doesn't decrease|"
            r"perform\w* (\w+ ){0,2}(terribly|poorly) in production|things you would check|"
            r"overfitting badly|\(both training and validation accuracy are low\)|"
            r"validation loss is increasing|\bfix it\b|\bnan loss\b|out[- ]of[- ]memory",
            _I,
        ),
    ),
    (
        "system-design",
        re.compile(
            r"\bdesign (a|an) (\w+ ){0,3}(system|pipeline|service|platform|filter|feed|engine|detector)s?\b|"
            r"\bdesign a model to detect|how would you (build|design|architect) (a|an) (\w+ ){0,3}"
            r"(system|pipeline|service|platform)|how would you build a model to (detect|predict)|"
            r"system design|\barchitect this\b|end-to-end process|recommend(ation|er) systems?|cold start|"
            r"(doesn't|does not|cannot|can't|don't) fit (in|into) ([\w']+ ){0,2}(ram|memory)|"
            r"serve a very large|at scale|millions of users|handle large datasets",
            _I,
        ),
    ),
    (
        "mlops",
        re.compile(
            r"\bdeploy\w*|in production|production environment|\bmonitor\w*|\bdrift\b|versioning|"
            r"\bversion (control|your)|reproducib\w*|\bci/cd\b|docker|kubernetes|containeri[sz]\w*|"
            r"model serving|\bmlops\b|feature store|inference (latency|time|speed)|too slow|"
            r"quantization|pruning|model compression|machine learning pipelines?|\bml pipelines?|retrain\w*",
            _I,
        ),
    ),
    # a single framework named: pytorch or tensorflow-keras (both named: a framework-neutral question)
    (_FRAMEWORK, re.compile(r"$^")),
    ("sql", re.compile(r"\bsql\b|\bgroup by\b|window functions?|relational database", _I)),
    ("python-data", re.compile(r"\bnumpy\b|\bpandas\b|matplotlib|dataframes?\b|\bseaborn\b", _I)),
    (
        "nlp-llm",
        re.compile(
            r"\bnlp\b|natural language|\btransformers?\b|self-attention|\battention\b|\bbert\b|\bgpt\w*|"
            r"\bllms?\b|large language|language models?|word embeddings?|word2vec|glove|fasttext|tf-idf|"
            r"bag of words|tokeni[sz]\w*|\btext\b|sentiment|machine translation|seq2seq|"
            r"sequence-to-sequence|named entity|positional encoding|\brag\b|retrieval-augmented|"
            r"\bprompt\w*|hallucinat\w*|stemming|lemmati[sz]\w*|stop words|speech",
            _I,
        ),
    ),
    (
        "computer-vision",
        re.compile(
            r"\bcnns?\b|convnets?|computer vision|image (classification|recognition|captioning|segmentation|"
            r"processing|data)|images/spatial|object detection|\byolo\w*|(semantic|instance) segmentation|"
            r"imagenet|\bpixels?\b|pooling|convolutional neural networks?|\bconvolutions?\b|r-cnn|feature maps?",
            _I,
        ),
    ),
    (
        "statistics-math",
        re.compile(
            r"hypothes[ie]s|p-values?|\ba[/-]b test\w*|statistical(ly)? significan\w*|confidence intervals?|"
            r"probabilit\w*|bayes'? (theorem|rule)|central limit|\bt-tests?\b|chi-square|anova|"
            r"correlation|causation|causality|sampling (techniques|methods)|stratified|standard deviation|"
            r"expected value|eigen\w*|linear algebra|singular value|derivatives?|calculus|integral|"
            r"maximum likelihood|\bmle\b|descriptive statistics|\bstatistics\b",
            _I,
        ),
    ),
    (
        "algorithms",
        re.compile(
            r"big-o|time complexity|space complexity|\bo\(n|binary search\b|linked lists?|"
            r"hash (tables?|maps?)|dynamic programming|memoi[sz]ation|recursion|sorting algorithms?|"
            r"\bstacks?\b|\bqueues?\b|graph traversal|breadth-first|depth-first|\bbfs\b|\bdfs\b|"
            r"greedy algorithms?|leetcode|data structures?|search algorithms?",
            _I,
        ),
    ),
    (
        "deep-learning",
        re.compile(
            r"neural networks?|deep learning|backprop\w*|activation functions?|\brelu\b|sigmoid|\btanh\b|"
            r"softmax|dropout|batch norm\w*|layer norm\w*|\blstms?\b|\bgrus?\b|\brnns?\b|recurrent|"
            r"\bgans?\b|generative adversarial|autoencoders?|\bvaes?\b|epochs?\b|batch size|mini-batch|"
            r"weight initiali[sz]ation|initiali[sz]e (all )?weights|vanishing gradient|exploding gradient|"
            r"gradient clipping|\badam\b|rmsprop|momentum|learning rate|residual connections?|resnet|"
            r"perceptron|hidden layers?|fully[- ]connected|encoder-decoder|siamese|one-shot|focal loss|"
            r"knowledge distillation|transfer learning|fine-tun\w*|pre-train\w*|self-supervised|"
            r"mixed precision|\bdqn\b|wavenet|pixelcnn|reparameteri[sz]ation|mode collapse|multi-gpu",
            _I,
        ),
    ),
)

LEVEL_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(beginner|basics?|easy|introduction|introductory|fundamentals?)\b", _I), "easy"),
    (re.compile(r"\b(intermediate|medium)\b", _I), "medium"),
    (re.compile(r"\b(expert|advanced|hard)\b", _I), "hard"),
)

_HARD_PROMPT_RE = re.compile(
    r"^(you|your)\b|\bdesign (a|an)\b|\barchitect\b|how would you (build|design|deploy|scale)|\bdebug\w*|"
    r"in production|from first principles|at scale",
    _I,
)
_EASY_PROMPT_RE = re.compile(r"^(what is|what are|what's|define|name)\b", _I)


def _components(path: str | None) -> list[str]:
    if not path:
        return []
    return [part.strip() for part in reversed(path.split(" / ")) if part.strip()]


def level_to_difficulty(level: str | None) -> str | None:
    """Map a document's level word ("Beginner", "Basic Level", "Hard", ...) to easy/medium/hard."""
    if not level:
        return None
    for pattern, difficulty in LEVEL_WORDS:
        if pattern.search(level):
            return difficulty
    return None


def _hint_topic(topic_hint: str | None, section: str | None) -> tuple[str | None, bool]:
    for path in (topic_hint, section):
        for component in _components(path):
            for rule in HINT_RULES:
                if rule.pattern.search(component):
                    return rule.topic, rule.firm
    return None, False


def keyword_topic(prompt: str) -> str | None:
    """The topic the keyword rules give a prompt, or None."""
    pytorch = bool(_FRAMEWORK_PYTORCH.search(prompt))
    tensorflow = bool(_FRAMEWORK_TF.search(prompt))
    for topic, pattern in KEYWORD_RULES:
        if topic == _FRAMEWORK:
            if pytorch != tensorflow:
                return "pytorch" if pytorch else "tensorflow-keras"
            continue
        if pattern.search(prompt):
            return topic
    return None


def classify_topic(prompt: str, topic_hint: str | None = None, section: str | None = None) -> str:
    """Exactly one of TOPICS for an entry (see the module docstring for the rules)."""
    hinted, firm = _hint_topic(topic_hint, section)
    if hinted and firm:
        return hinted
    return keyword_topic(prompt) or hinted or "ml-fundamentals"


def classify_difficulty(
    prompt: str, level: str | None = None, topic_hint: str | None = None, section: str | None = None
) -> str:
    """easy/medium/hard from the level word, else section words, else the prompt heuristics."""
    difficulty = level_to_difficulty(level)
    if difficulty:
        return difficulty
    for path in (section, topic_hint):
        for component in _components(path):
            difficulty = level_to_difficulty(component)
            if difficulty:
                return difficulty
    text = prompt.strip()
    if _HARD_PROMPT_RE.search(text):
        return "hard"
    sentences = len(re.findall(r"[?.!](\s|$)", text))
    if len(text) < 80 and sentences <= 1 and _EASY_PROMPT_RE.match(text):
        return "easy"
    return "medium"


@dataclass(frozen=True, slots=True)
class Override:
    """A hand correction from questions/curation/overrides.yaml; a new `prompt` keeps the question's id."""

    topic: str | None = None
    difficulty: str | None = None
    prompt: str | None = None


class OverrideError(ValueError):
    """questions/curation/overrides.yaml is malformed or names an unknown topic/difficulty."""


OVERRIDE_KEYS = frozenset({"topic", "difficulty", "prompt"})


def load_overrides(path: Path) -> dict[str, Override]:
    """Read `id: {topic?, difficulty?, prompt?}` corrections; a missing file means none."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise OverrideError(f"{path}: expected a mapping of question id to {{topic?, difficulty?, prompt?}}")
    overrides: dict[str, Override] = {}
    for qid, fields in data.items():
        if not isinstance(fields, dict) or not set(fields) <= OVERRIDE_KEYS or not fields:
            raise OverrideError(f"{path}: {qid}: expected {{topic?, difficulty?, prompt?}}, got {fields!r}")
        topic, difficulty, prompt = fields.get("topic"), fields.get("difficulty"), fields.get("prompt")
        if topic is not None and topic not in TOPICS:
            raise OverrideError(f"{path}: {qid}: unknown topic {topic!r} (one of {', '.join(TOPICS)})")
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise OverrideError(f"{path}: {qid}: unknown difficulty {difficulty!r}")
        if prompt is not None and (not isinstance(prompt, str) or not prompt.strip() or "\n" in prompt.strip()):
            raise OverrideError(f"{path}: {qid}: prompt must be one non-empty line of text")
        overrides[str(qid)] = Override(topic=topic, difficulty=difficulty,
                                       prompt=prompt.strip() if isinstance(prompt, str) else None)
    return overrides


def unknown_override_ids(overrides: dict[str, Override], ids: Iterable[str]) -> list[str]:
    """Override ids that match no question (stale after a prompt changed)."""
    known = set(ids)
    return sorted(qid for qid in overrides if qid not in known)
