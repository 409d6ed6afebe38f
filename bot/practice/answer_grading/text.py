"""Text normalisation for the built-in grader: formulas, ML synonyms and abbreviations, stems, negation."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")

# Phrase -> canonical token. Longest phrases are replaced first, so "l2 regularization" beats "l2".
# Curated for the bank's vocabulary; each group is one concept an interviewer accepts under any of its names.
SYNONYM_GROUPS: dict[str, tuple[str, ...]] = {
    "l2reg": ("l2", "l2 regularization", "l2 regularisation", "l2 penalty", "weight decay", "ridge",
              "ridge regression", "squared penalty"),
    "l1reg": ("l1", "l1 regularization", "l1 regularisation", "l1 penalty", "lasso", "lasso regression"),
    "learnrate": ("lr", "learning rate", "step size"),
    "batchnorm": ("bn", "batch norm", "batchnorm", "batch normalization", "batch normalisation"),
    "layernorm": ("ln", "layer norm", "layernorm", "layer normalization", "layer normalisation"),
    "gradientdescent": ("sgd", "gradient descent", "stochastic gradient descent"),
    "svmmodel": ("svm", "svms", "support vector machine", "support vector machines", "support vector classifier"),
    "logreg": ("logistic regression", "logit model"),
    "cnnmodel": ("cnn", "cnns", "convnet", "convnets", "convolutional neural network",
                 "convolutional network", "convolutional networks"),
    "rnnmodel": ("rnn", "rnns", "recurrent neural network", "recurrent network", "recurrent networks"),
    "lstmmodel": ("lstm", "lstms", "long short-term memory", "long short term memory"),
    "transformermodel": ("transformer", "transformers"),
    "attnmech": ("attention", "self-attention", "self attention"),
    "pcamethod": ("pca", "principal component analysis", "principal components"),
    "knnmodel": ("knn", "k-nearest neighbors", "k-nearest neighbours", "k nearest neighbors", "nearest neighbours",
                 "nearest neighbors"),
    "nnet": ("nn", "neural network", "neural networks", "neural net", "neural nets"),
    "relufn": ("relu", "rectified linear unit"),
    "mseloss": ("mse", "mean squared error", "mean square error", "squared error"),
    "maemetric": ("mae", "mean absolute error", "absolute error"),
    "xentropy": ("cross-entropy", "cross entropy", "log loss", "logloss", "negative log-likelihood",
                 "negative log likelihood", "nll"),
    "rocauc": ("auc", "roc auc", "roc-auc", "area under the curve", "area under the roc curve"),
    "tprate": ("tpr", "true positive rate", "recall", "sensitivity"),
    "fprate": ("fpr", "false positive rate"),
    "falsepos": ("false positive", "false positives", "fp", "type i error", "type 1 error"),
    "falseneg": ("false negative", "false negatives", "fn", "type ii error", "type 2 error"),
    "gpuhw": ("gpu", "gpus", "graphics card", "cuda device"),
    "llmmodel": ("llm", "llms", "large language model", "large language models"),
    "ragmethod": ("rag", "retrieval-augmented generation", "retrieval augmented generation"),
    "nlpfield": ("nlp", "natural language processing"),
    "gbm": ("gbm", "gradient boosting", "gradient boosted trees", "xgboost", "lightgbm", "boosted trees"),
    "randforest": ("random forest", "random forests"),
    "dtree": ("decision tree", "decision trees"),
    "iidassum": ("iid", "i.i.d.", "independent and identically distributed"),
    "mleest": ("mle", "maximum likelihood", "maximum likelihood estimation", "maximum likelihood estimate"),
    "mapest": ("map estimate", "maximum a posteriori"),
    "sqljoin": ("inner join", "join"),
    "cicd": ("ci/cd", "ci cd", "continuous integration", "continuous delivery", "continuous deployment"),
    "abtest": ("a/b test", "a/b testing", "ab test", "split test", "online experiment"),
    "ondevice": ("on-device", "on device", "edge device"),
    "kldiv": ("kl", "kl divergence", "kullback-leibler", "kullback leibler divergence", "relative entropy"),
    "stddev": ("std", "standard deviation", "sigma"),
    "ioumetric": ("iou", "intersection over union", "jaccard"),
    "nmsmethod": ("nms", "non-maximum suppression", "non maximum suppression", "non-max suppression"),
    "oomerr": ("oom", "out of memory", "out-of-memory"),
    "dataframe": ("df", "dataframe", "data frame"),
    "vanishgrad": ("vanishing gradient", "vanishing gradients", "gradients vanish", "gradient vanishes"),
    "explodegrad": ("exploding gradient", "exploding gradients", "gradients explode"),
    "overfitting": ("overfit", "overfits", "overfitting", "overfitted", "high variance", "memorise",
                    "memorize", "memorises", "memorizes"),
    "underfitting": ("underfit", "underfits", "underfitting", "high bias"),
    "bigo": ("big o", "big-o", "complexity", "time complexity"),
    "hyperparam": ("hyperparameter", "hyperparameters", "hyper-parameter", "hyper-parameters"),
    "finetune": ("fine-tune", "fine-tuning", "finetune", "finetuning", "fine tune", "fine tuning"),
    "embeddingvec": ("embedding", "embeddings", "vector representation", "dense vector", "dense vectors"),
    "tokenunit": ("token", "tokens", "subword", "subwords", "word piece", "wordpiece"),
    "probab": ("probability", "probabilities", "likelihood of class"),
    "dropoutreg": ("dropout", "drop out"),
    "earlystop": ("early stopping", "stop early", "stopping early"),
    "regularize": ("regularization", "regularisation", "regularize", "regularise", "regularized", "penalty"),
    "featscale": ("feature scale", "feature scaling", "standardise", "standardize", "normalise features",
                  "normalize features", "standardisation", "standardization", "scaling"),
}

_NEGATIONS = frozenset({"not", "no", "never", "cannot", "without", "nor", "neither", "none", "isnt", "doesnt",
                        "dont", "wont", "cant", "arent", "wasnt", "didnt", "shouldnt", "hardly", "lacks"})

_STOP_TEXT = """
a an the and or but if of to in on at by for with from as is are was were be been being it its this that
these those there here which who whom whose what when where why how than then so such too very can could
should would will shall may might must do does did done have has had having into onto over under about
also just only each every any some all both either more most less least other another same own we you they
he she i me my our your their them us one two use used uses using make makes made get gets like via per
e.g i.e etc
"""
STOPWORDS = frozenset(_STOP_TEXT.split())

_PHRASE_CANON: dict[str, str] = {p: canon for canon, group in SYNONYM_GROUPS.items() for p in group}
# one alternation, longest phrase first, so "l2 regularization" wins over "l2"
_PHRASE_FIRST = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(re.escape(p) for p in sorted(_PHRASE_CANON, key=len, reverse=True))
    + r")(?![a-z0-9])"
)

_OPERATOR_SPACES = re.compile(r"\s*([-+*/^=<>])\s*")
_PAREN_SPACES = re.compile(r"(?<=\()\s+|\s+(?=\))")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9_^/*+=().<>-]*[a-z0-9)]|[a-z0-9]")
_WORD_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")
_CONTRACTION = re.compile(r"(\w)n't\b")


def normalize(text: str) -> str:
    """Lower-case, fold unicode (− to -, × to *), tighten formulas, and replace synonyms by canonical tokens."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = t.replace("−", "-").replace("–", "-").replace("—", " - ").replace("×", "*").replace("·", "*")
    t = t.replace("’", "'").replace("`", " ").replace("$", " ").replace("\\", " ")
    t = _CONTRACTION.sub(r"\1nt", t)
    t = _PAREN_SPACES.sub("", _OPERATOR_SPACES.sub(r"\1", t))
    # a formula keeps its operators; "1/(1-p)" stays one token after the spaces are gone
    t = _PHRASE_FIRST.sub(lambda m: f" {_PHRASE_CANON[m.group(0)]} ", t)
    return _WORD_HYPHEN.sub(" ", t)


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    """Snowball (Porter2) stem, cached: answers repeat words."""
    return str(_STEMMER.stemWord(word))


_FORMULA_CHARS = frozenset("/*+=^()<>")


@lru_cache(maxsize=50000)
def _token_of(word: str) -> str | None:
    """One word's token: "not" for a negation, None for a stop word, formulas and canonical tokens as they are,
    else its stem. Cached: answers and key points share most of their words."""
    word = word.replace("'", "")
    if word in _NEGATIONS:
        return "not"
    if word in STOPWORDS:
        return None
    if word in SYNONYM_GROUPS or not _FORMULA_CHARS.isdisjoint(word) or word[0].isdigit():
        return word
    return stem(word)


def tokens(text: str) -> list[str]:
    """Normalised, stemmed tokens with the negation words kept (as "not") and stop words dropped."""
    return _tokens_of_normalized(normalize(text))


def _tokens_of_normalized(text: str) -> list[str]:
    return [tok for tok in map(_token_of, _TOKEN.findall(text)) if tok is not None]


@lru_cache(maxsize=20000)
def fixed_tokens(text: str) -> tuple[str, ...]:
    """`tokens` of a text the bank fixes (a prompt, a key point), cached: every answer to it reuses them."""
    return tuple(tokens(text))


_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+|,\s+(?:but|while|whereas)\s+")


@lru_cache(maxsize=20000)
def surface_forms(text: str) -> dict[str, str]:
    """Each token of a bank text -> the words it came from there ("activ" -> "activation", "l2reg" -> "weight
    decay"), to name a key point's terms to the user as the point writes them. Read-only (it is cached)."""
    lowered = unicodedata.normalize("NFKC", text).lower()
    forms = {_PHRASE_CANON[m.group(0)]: m.group(0) for m in reversed(list(_PHRASE_FIRST.finditer(lowered)))}
    for raw in _TOKEN.findall(normalize(text)):
        tok = _token_of(raw)
        if tok is not None:
            forms.setdefault(tok, raw)
    return forms


def sentences(text: str) -> list[str]:
    """Split an answer into sentence-like clauses (negation is judged per clause)."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


def clause_tokens(text: str) -> list[list[str]]:
    """`tokens` of each clause of an answer, normalising the whole text once (the answer is the costly part)."""
    out = []
    for clause in _SENTENCE.split(normalize(text)):
        toks = _tokens_of_normalized(clause)
        if toks:
            out.append(toks)
    return out
