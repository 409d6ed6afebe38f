"""Show LaTeX readably in chat: simple formulas become Unicode, the rest a code span or code block.

Recognised delimiters: `$$ ... $$` (display, as a block or inline), `$ ... $`, `\\( ... \\)` and
`\\[ ... \\]`. Text inside code spans and fences is left alone. No `$$` survives outside code.
"""

from __future__ import annotations

import re
import unicodedata

from bot.bank.render.markdown_blocks import join_blocks, split_blocks, split_code_spans

_MAX_SOURCE = 400
_MAX_DEPTH = 30

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ",
    "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip

_SYMBOLS = {
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆",
    "circ": "∘", "bullet": "•", "oplus": "⊕", "otimes": "⊗", "odot": "⊙", "dagger": "†",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈",
    "equiv": "≡", "sim": "∼", "simeq": "≃", "cong": "≅", "propto": "∝", "ll": "≪", "gg": "≫",
    "lt": "<", "gt": ">", "succ": "≻", "prec": "≺", "succeq": "⪰", "preceq": "⪯", "perp": "⊥",
    "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃",
    "supseteq": "⊇", "cup": "∪", "cap": "∩", "emptyset": "∅", "varnothing": "∅", "setminus": "∖",
    "forall": "∀", "exists": "∃", "neg": "¬", "lnot": "¬", "land": "∧", "wedge": "∧",
    "lor": "∨", "vee": "∨", "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔", "Leftrightarrow": "⇔",
    "implies": "⟹", "iff": "⟺", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓",
    "infty": "∞", "partial": "∂", "nabla": "∇", "ell": "ℓ", "hbar": "ℏ", "prime": "′",
    "top": "⊤", "intercal": "⊺", "bot": "⊥", "angle": "∠", "degree": "°",
    "ldots": "…", "dots": "…", "cdots": "⋯", "vdots": "⋮", "ddots": "⋱",
    "mid": "|", "vert": "|", "lvert": "|", "rvert": "|", "Vert": "‖", "lVert": "‖", "rVert": "‖",
    "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
    "quad": " ", "qquad": " ", "displaystyle": "", "limits": "", "nolimits": "",
}  # fmt: skip

_BIG_OPS = {"sum": "∑", "prod": "∏", "int": "∫", "iint": "∬", "oint": "∮", "bigcup": "⋃", "bigcap": "⋂"}
_FUNCTIONS = {
    "log", "ln", "lg", "exp", "max", "min", "sup", "inf", "lim", "arg", "argmax", "argmin", "det",
    "sin", "cos", "tan", "sinh", "cosh", "tanh", "sec", "csc", "cot", "arcsin", "arccos", "arctan",
    "Pr", "deg", "dim", "ker", "gcd", "mod", "var", "Var", "Cov", "tr",
}  # fmt: skip
_SIZERS = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "middle"}
_ACCENTS = {
    "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0304", "tilde": "\u0303",
    "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308",
}  # fmt: skip
_TEXT_COMMANDS = {"text", "textrm", "textit", "textbf", "textsf", "texttt", "mbox", "operatorname"}
_STYLE_COMMANDS = {"mathrm", "mathit", "mathbf", "mathsf", "mathtt", "boldsymbol", "bm", "mathnormal"}
_ESCAPED = {
    "{": "{", "}": "}", "%": "%", "$": "$", "#": "#", "&": "&", "_": "_", "|": "‖",
    ",": " ", ";": " ", ":": " ", " ": " ", "!": "",
}  # fmt: skip

_SUP = dict(
    zip(
        "0123456789+-−=()niabcdefghjklmoprstuvwxyzTABDEGHIJKLMNOPRUVWβγδθφχ∗′⊤⊺",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵁⱽᵂᵝᵞᵟᶿᵠᵡ∗′ᵀᵀ",
        strict=True,
    )
)
_SUB = dict(
    zip(
        "0123456789+-−=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
_BLACKBOARD = {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ"}
_SCRIPT = {"B": "ℬ", "E": "ℰ", "F": "ℱ", "H": "ℋ", "I": "ℐ", "L": "ℒ", "M": "ℳ", "R": "ℛ"}

_INLINE_MATH = re.compile(
    r"\$\$(?P<display>.{1,2000}?)\$\$"
    r"|\\\((?P<paren>.{1,2000}?)\\\)"
    r"|\\\[(?P<bracket>.{1,2000}?)\\\]"
    r"|(?<![\\$])\$(?=[^\s$])(?P<dollar>(?:\\.|[^$\\\n])+?)(?<=[^\s\\])\$(?![\d$])"
)
_COMMAND_NAME = re.compile(r"[A-Za-z]+")


class _Unsupported(ValueError):
    """The formula uses something the Unicode rendering does not handle."""


def latex_to_unicode(source: str) -> str | None:
    """Render a simple LaTeX formula as Unicode text, or None when it is not simple enough."""
    if len(source) > _MAX_SOURCE:
        return None
    try:
        out = _Parser(source).parse()
    except (_Unsupported, RecursionError):
        return None
    out = unicodedata.normalize("NFC", re.sub(r"\s+", " ", out)).strip()
    out = re.sub(r"([(\[{⟨]) ", r"\1", out)
    out = re.sub(r" ([)\]}⟩,;.])", r"\1", out)
    return out or None


class _Parser:
    """A small recursive-descent reader of the LaTeX math subset we can show as Unicode."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0
        self.depth = 0

    def parse(self) -> str:
        out = self._seq()
        if self.i < len(self.s):
            raise _Unsupported("unbalanced }")
        return out

    def _peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def _skip_spaces(self) -> None:
        while self._peek().isspace():
            self.i += 1

    def _seq(self) -> str:
        parts: list[str] = []
        while self.i < len(self.s) and self.s[self.i] != "}":
            parts.append(self._atom())
        return "".join(parts)

    def _atom(self) -> str:
        c = self.s[self.i]
        if c == "\\":
            return self._command()
        if c == "{":
            return self._group()
        if c in "^_":
            self.i += 1
            return _script(self._arg(), c)
        return self._char()

    def _char(self) -> str:
        c = self.s[self.i]
        if c in "&%#}":
            raise _Unsupported(c)
        self.i += 1
        return {"~": " ", "*": "∗", "'": "′"}.get(c, c)

    def _group(self) -> str:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Unsupported("too deep")
        self.i += 1
        inner = self._seq()
        if self.i >= len(self.s):
            raise _Unsupported("unbalanced {")
        self.i += 1
        self.depth -= 1
        return inner

    def _arg(self) -> str:
        self._skip_spaces()
        c = self._peek()
        if not c or c in "^_":
            raise _Unsupported("missing argument")
        if c == "{":
            return self._group()
        if c == "\\":
            return self._command()
        return self._char()

    def _raw_arg(self) -> str:
        self._skip_spaces()
        if self._peek() != "{":
            return self._arg()
        depth, start = 0, self.i
        for k in range(self.i, len(self.s)):
            depth += {"{": 1, "}": -1}.get(self.s[k], 0)
            if depth == 0:
                self.i = k + 1
                text = self.s[start + 1 : k]
                text = re.sub(r"\\([_&%$#{} ])", r"\1", text)
                if "\\" in text:
                    raise _Unsupported("command in text")
                return text
        raise _Unsupported("unbalanced {")

    def _scripts(self) -> str:
        out = ""
        while True:
            self._skip_spaces()
            c = self._peek()
            if not c or c not in "^_":
                return out
            self.i += 1
            out += _script(self._arg(), c)

    def _command(self) -> str:
        self.i += 1
        m = _COMMAND_NAME.match(self.s, self.i)
        if not m:
            ch = self._peek()
            self.i += 1
            if ch not in _ESCAPED:
                raise _Unsupported(f"\\{ch}")
            return _ESCAPED[ch]
        self.i = m.end()
        return self._named(m.group())

    def _named(self, name: str) -> str:
        if name in _GREEK:
            return _GREEK[name]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _BIG_OPS:
            return _BIG_OPS[name] + self._scripts() + " "
        if name in _FUNCTIONS:
            return f" {name}{self._scripts()} "
        if name in _SIZERS:
            return self._sized_delimiter()
        return self._with_arguments(name)

    def _sized_delimiter(self) -> str:
        self._skip_spaces()
        c = self._peek()
        if c == ".":
            self.i += 1
            return ""
        return self._arg() if c else ""

    def _with_arguments(self, name: str) -> str:
        if name in ("frac", "dfrac", "tfrac"):
            num, den = self._arg(), self._arg()
            return f"({num})/({den})"
        if name == "binom":
            n, k = self._arg(), self._arg()
            return f"C({n}, {k})"
        if name == "sqrt":
            return self._sqrt()
        if name in _ACCENTS:
            return _accent(self._arg(), name)
        if name in _TEXT_COMMANDS:
            return self._raw_arg()
        if name in _STYLE_COMMANDS:
            return self._arg()
        if name == "mathbb":
            return "".join(_BLACKBOARD.get(c, _math_letter(c, 0x1D538)) for c in self._arg())
        if name == "mathcal":
            return "".join(_SCRIPT.get(c, _math_letter(c, 0x1D49C)) for c in self._arg())
        raise _Unsupported(f"\\{name}")

    def _sqrt(self) -> str:
        self._skip_spaces()
        if self._peek() == "[":
            raise _Unsupported("nth root")
        inner = self._arg()
        return "√" + inner if _is_atom(inner) else f"√({inner})"


def _is_atom(text: str) -> bool:
    return len(text) == 1 or text.isalnum()


def _math_letter(c: str, base: int) -> str:
    return chr(base + ord(c) - ord("A")) if "A" <= c <= "Z" else c


def _accent(inner: str, name: str) -> str:
    if len(inner) == 1:
        return inner + _ACCENTS[name]
    return f"{name}({inner})"


def _script(content: str, mark: str) -> str:
    table = _SUP if mark == "^" else _SUB
    compact = content.replace(" ", "")
    if not compact:
        return ""
    if all(c in table for c in compact):
        return "".join(table[c] for c in compact)
    if len(compact) == 1 or compact.isalnum():
        return mark + compact
    return f"{mark}({content.strip()})"


def _code_span(source: str) -> str:
    source = " ".join(source.split())
    if "`" not in source:
        return f"`{source}`"
    return f"`` {source.replace('``', '` `')} ``"


def _inline_replacement(m: re.Match[str]) -> str:
    source = next(g for g in m.groups() if g is not None).strip()
    if not source:
        return ""
    return latex_to_unicode(source) or _code_span(source)


def _render_inline_text(text: str) -> str:
    text = _INLINE_MATH.sub(_inline_replacement, text)
    return re.sub(r"\${2,}", "$", text)


def render_inline_math(line: str) -> str:
    """Replace inline LaTeX in one line of Markdown, leaving code spans alone."""
    return "".join(seg if code else _render_inline_text(seg) for code, seg in split_code_spans(line))


def _display_lines(lines: list[str]) -> list[str]:
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
    joined = "\n".join(lines).strip()[2:]
    end = joined.find("$$")
    source, tail = joined[:end].strip(), joined[end + 2 :].strip()
    out: list[str] = []
    if source:
        rendered = latex_to_unicode(source)
        if rendered:
            out.append(indent + rendered)
        else:
            out.extend(["```latex", *[s.rstrip() for s in source.split("\n")], "```"])
    if tail:
        out.append(indent + render_inline_math(tail))
    return out or [""]


def render_math(markdown: str) -> str:
    """Render every LaTeX formula in Markdown as Unicode, or as code when it is not simple."""
    blocks = split_blocks(markdown)
    for b in blocks:
        if b.kind == "math":
            b.lines = _display_lines(b.lines)
        elif b.kind != "fence":
            b.lines = [render_inline_math(line) for line in b.lines]
    return join_blocks([b for b in blocks if b.text.strip()])
