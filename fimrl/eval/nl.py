"""``fimrl eval nl``: does formal grounding carry over to natural-language mathematics?

The user supplies problems with known final answers (one JSON object per line:
``{"question": ..., "answer": ...}``, optionally ``"id"``), e.g. IMO-style short-answer
problems. Each policy version samples ``n`` solutions per problem; a solution is correct when
its *final answer* is equivalent to the reference. pass@k (the same unbiased estimator and
bootstrap over problems as the Lean figures) is printed next to the Lean pass@k of the same
versions, so one table answers "did FIM training on Lean move NL maths too?".

Scoring is local and cheap (no Lean), so no worker is involved; the results are stored as a
``runs`` row of ``kind = 'eval_nl'`` with the per-problem counts, the extracted answers and
the (truncated) completions in its ``config``, so every score can be audited later.

Final-answer equivalence, in order (the first that decides wins):

1. the answer is extracted: the last ``\\boxed{...}``, else the last "final answer: ...",
   else "the answer is ...", else the last number in the text;
2. both sides are normalised (LaTeX spacing and wrappers, ``\\dfrac``, ``\\text{}``, units of
   degrees and percent, thousands separators, a leading ``x =``) and compared as strings;
3. as numbers (fractions, decimals, scientific notation), to a relative tolerance of 1e-6;
4. as lists (top-level commas), element by element, in order or, for an unparenthesised list
   such as a set of solutions, in any order;
5. symbolically with sympy: ``a - b`` evaluated at random points of its free symbols (exact
   zero after ``simplify`` when evaluation is impossible). Inputs that could make sympy run
   away (huge exponents, very long expressions) are refused rather than risked.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from fimrl.config import Settings
from fimrl.db.run_store import ensure_run, finish_run
from fimrl.errors import FimrlError
from fimrl.eval.passk import PassAtK, TaskOutcome, mean_pass_at_k
from fimrl.eval.results import NL_EVAL_KIND, latest_outcomes
from fimrl.eval.runner import BackendFactory, PolicyLoader, VersionSpec, default_backend
from fimrl.rollout.generation import Sampling

__all__ = [
    "NLProblem",
    "NLReport",
    "answers_equivalent",
    "extract_final_answer",
    "lean_figures",
    "load_problems",
    "nl_prompt",
    "normalise_answer",
    "run_nl_eval",
]

SYSTEM_PROMPT = (
    "You are a careful mathematician. Solve the problem, reasoning step by step. "
    "End with one line of the form: Final answer: \\boxed{ANSWER}"
)
#: Longest answer handed to sympy (a final answer is short; a long one is prose or garbage).
MAX_SYMPY_CHARS = 200
#: Characters of each completion kept in the stored results (audit, not training).
KEEP_COMPLETION_CHARS = 2000


# --- problems -----------------------------------------------------------------------------


@dataclass(frozen=True)
class NLProblem:
    """One problem: an id (the ``id`` field or the line number), the question, the answer."""

    id: str
    question: str
    answer: str


def load_problems(path: Path) -> list[NLProblem]:
    """Read a JSONL file of ``{"question", "answer"}`` objects; errors name the line."""
    if not path.is_file():
        raise FimrlError(f"{path} does not exist")
    problems: list[NLProblem] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FimrlError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or "question" not in obj or "answer" not in obj:
            raise FimrlError(f'{path}:{number}: need an object with "question" and "answer"')
        answer = obj["answer"]
        if isinstance(answer, bool) or not isinstance(answer, str | int | float):
            raise FimrlError(f"{path}:{number}: the answer must be a string or a number")
        problems.append(
            NLProblem(str(obj.get("id", number)), str(obj["question"]), str(answer).strip())
        )
    if not problems:
        raise FimrlError(f"{path} has no problems")
    return problems


def nl_prompt(question: str, tokenizer: Any) -> str:
    """The chat prompt for a problem (plain text for tokenizers without a chat template)."""
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": question},
    ]
    if getattr(tokenizer, "chat_template", None):
        try:
            return str(
                tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            )
        except Exception:  # templates without a system role
            merged = [{"role": "user", "content": f"{SYSTEM_PROMPT}\n\n{question}"}]
            return str(
                tokenizer.apply_chat_template(merged, tokenize=False, add_generation_prompt=True)
            )
    return f"{SYSTEM_PROMPT}\n\nProblem: {question}\n\nSolution:"


# --- extracting the final answer ---------------------------------------------------------------


def _balanced(text: str, open_at: int) -> str | None:
    """The contents of the brace group opening at ``open_at`` (None if unbalanced)."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[open_at + 1 : i]
    return None


def _last_boxed(text: str) -> str | None:
    found = None
    for match in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        inner = _balanced(text, match.end() - 1)
        if inner is not None:
            found = inner
    return found


_NUMBER = r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:\s*/\s*\d+)?"
_FINAL = re.compile(r"final\s+answer\s*(?:is|:|=)?\s*(.+)", re.IGNORECASE)
_ANSWER_IS = re.compile(r"\banswer\s*(?:is|:|=)\s*(.+)", re.IGNORECASE)


def _clean_tail(value: str) -> str:
    value = value.strip().strip("*").strip()
    value = re.sub(r"^\$+|\$+$", "", value).strip()
    return value.rstrip(".").strip()


def extract_final_answer(completion: str) -> str | None:
    """The final answer a solution states, or None when it states none."""
    boxed = _last_boxed(completion)
    if boxed is not None:
        return boxed.strip()
    for pattern in (_FINAL, _ANSWER_IS):
        matches = list(pattern.finditer(completion))
        if matches:
            line = matches[-1].group(1).splitlines()[0]
            value = _clean_tail(line)
            if value:
                return value
    numbers = re.findall(_NUMBER, completion)
    return numbers[-1].strip() if numbers else None


# --- normalising ----------------------------------------------------------------------------

_WRAPPERS = re.compile(r"\\(?:text|textbf|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_SPACING = re.compile(r"\\[,;:! ]|\\quad|\\qquad|~")
_LEADING_VAR = re.compile(r"^[A-Za-z]\s*=\s*(?!=)")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def normalise_answer(answer: str) -> str:
    """A canonical string form: LaTeX wrappers, spacing, units and separators removed."""
    s = answer.strip().rstrip(".").strip()
    s = re.sub(r"^\$+|\$+$", "", s).strip()
    s = s.replace("\\(", "").replace("\\)", "").replace("\\[", "").replace("\\]", "")
    s = s.replace("\\left", "").replace("\\right", "")
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", s)  # \frac12 shorthand
    for _ in range(3):  # nested wrappers
        s = _WRAPPERS.sub(r"\1", s)
    s = _SPACING.sub("", s)
    s = s.replace("^\\circ", "").replace("^{\\circ}", "").replace("°", "")
    s = s.replace("\\%", "").replace("%", "")
    s = s.replace("\\$", "")
    s = s.strip().rstrip(".").strip()
    s = _LEADING_VAR.sub("", s)
    s = re.sub(r"\s+", " ", s).strip()
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    return s


def _as_number(s: str) -> Fraction | float | None:
    s = s.replace(" ", "")
    frac = re.fullmatch(r"\\frac\{(-?\d+)\}\{(-?\d+)\}", s) or re.fullmatch(r"(-?\d+)/(-?\d+)", s)
    if frac:
        den = int(frac.group(2))
        return Fraction(int(frac.group(1)), den) if den else None
    if re.fullmatch(r"-?\d+", s):
        return Fraction(int(s))
    if re.fullmatch(r"-?(?:\d+\.\d*|\.\d+|\d+)(?:e-?\d+)?", s, re.IGNORECASE):
        try:
            return Fraction(s)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _numbers_equal(a: Fraction | float, b: Fraction | float) -> bool:
    if a == b:
        return True
    fa, fb = float(a), float(b)
    return math.isclose(fa, fb, rel_tol=1e-6, abs_tol=1e-9)


def _split_top_level(s: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return parts


def _unwrap(s: str) -> tuple[str, bool]:
    """Strip one pair of enclosing brackets; True when they were ordered-tuple brackets."""
    s = s.strip()
    if s.startswith("\\{") and s.endswith("\\}"):
        return s[2:-2], False
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]" and _balanced_parens(s[1:-1]):
        return s[1:-1], True
    if len(s) >= 2 and s[0] == "{" and s[-1] == "}" and _balanced_parens(s[1:-1]):
        return s[1:-1], False
    return s, False


def _balanced_parens(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# --- sympy -------------------------------------------------------------------------------------


def _latex_to_sympy(s: str) -> str:
    """The LaTeX subset final answers use, as sympy input syntax."""
    out = s
    for _ in range(10):  # innermost first, nested fractions/roots
        new = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"((\1)/(\2))", out)
        new = re.sub(r"\\sqrt\s*\[([^\[\]]*)\]\s*\{([^{}]*)\}", r"((\2)**(1/(\1)))", new)
        new = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"sqrt(\1)", new)
        if new == out:
            break
        out = new
    out = re.sub(r"\\sqrt\s*(\d+|[A-Za-z])", r"sqrt(\1)", out)
    replacements = {
        "\\cdot": "*",
        "\\times": "*",
        "\\div": "/",
        "\\pi": "pi",
        "\\infty": "oo",
        "\\ln": "log",
        "\\log": "log",
        "\\exp": "exp",
        "\\sin": "sin",
        "\\cos": "cos",
        "\\tan": "tan",
    }
    for old, new_text in replacements.items():
        out = out.replace(old, f" {new_text} " if new_text.isalpha() else new_text)
    out = out.replace("{", "(").replace("}", ")").replace("^", "**")
    return out


def _risky(expr: str) -> bool:
    """Text sympy should not even parse (too long, LaTeX left over, factorials)."""
    return len(expr) > MAX_SYMPY_CHARS or "\\" in expr or "!" in expr


#: Largest exponent allowed in a power of numbers (9^9^9 would not finish evaluating).
MAX_EXPONENT = 1000


def _safe_tree(expr: Any) -> bool:
    """No power whose evaluation could run away: exponents bounded and never themselves powers."""
    import sympy

    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Pow):
            exponent = node.exp
            if any(isinstance(sub, sympy.Pow) for sub in sympy.preorder_traversal(exponent)):
                return False
            if exponent.is_number and abs(float(exponent)) > MAX_EXPONENT:
                return False
        if isinstance(node, sympy.Integer) and abs(int(node)) > 10**60:
            return False
    return True


def _parse(expr: str) -> Any:
    """Parse unevaluated first, check the tree, then evaluate (None: refused or malformed)."""
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    transformations = (*standard_transformations, implicit_multiplication_application, convert_xor)
    try:
        raw = parse_expr(expr, transformations=transformations, evaluate=False)
        if not _safe_tree(raw):
            return None
        return parse_expr(expr, transformations=transformations, evaluate=True)
    except Exception:  # sympy raises many kinds on malformed input
        return None


def _sympy_equal(a: str, b: str) -> bool:
    import sympy

    sa, sb = _latex_to_sympy(a), _latex_to_sympy(b)
    if _risky(sa) or _risky(sb):
        return False
    ea, eb = _parse(sa), _parse(sb)
    if not isinstance(ea, sympy.Expr) or not isinstance(eb, sympy.Expr):
        return False
    diff = ea - eb
    symbols = sorted(diff.free_symbols, key=str)
    rng = random.Random(0)
    try:
        for _ in range(3 if symbols else 1):
            point = {s: sympy.Rational(rng.randint(2, 97), rng.randint(2, 13)) for s in symbols}
            value = complex(diff.subs(point).evalf(30))
            scale = max(1.0, abs(complex(ea.subs(point).evalf(30))))
            if abs(value) > 1e-9 * scale:
                return False
        return True
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        try:
            return bool(sympy.simplify(diff) == 0)
        except Exception:
            return False


def answers_equivalent(predicted: str | None, reference: str) -> bool:
    """True when ``predicted`` is the same final answer as ``reference`` (see module doc)."""
    if predicted is None:
        return False
    a, b = normalise_answer(predicted), normalise_answer(reference)
    if not a:
        return False
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return True
    na, nb = _as_number(a), _as_number(b)
    if na is not None and nb is not None:
        return _numbers_equal(na, nb)
    inner_a, tuple_a = _unwrap(a)
    inner_b, tuple_b = _unwrap(b)
    parts_a, parts_b = _split_top_level(inner_a), _split_top_level(inner_b)
    if len(parts_a) > 1 or len(parts_b) > 1:
        if len(parts_a) != len(parts_b):
            return False
        if all(answers_equivalent(x, y) for x, y in zip(parts_a, parts_b, strict=True)):
            return True
        if tuple_a or tuple_b:  # an ordered tuple: order matters
            return False
        remaining = list(parts_b)
        for x in parts_a:
            match = next((y for y in remaining if answers_equivalent(x, y)), None)
            if match is None:
                return False
            remaining.remove(match)
        return True
    return _sympy_equal(a, b)


# --- the evaluation -----------------------------------------------------------------------------


@dataclass
class NLVersionResult:
    """One version's figures: pass@k per k and per-problem counts."""

    spec: VersionSpec
    pass_at_k: dict[int, PassAtK]
    per_problem: list[dict[str, Any]]


@dataclass
class NLReport:
    """What ``fimrl eval nl`` produced (also stored as a ``runs`` row)."""

    run_id: int
    run_name: str
    source_run: str | None
    problems: int
    results: list[NLVersionResult] = field(default_factory=list)


def _stop_ids(tokenizer: Any) -> tuple[int, ...]:
    ids: list[int] = []
    eos = getattr(tokenizer, "eos_token_id", None)
    if isinstance(eos, int):
        ids.append(eos)
    vocab = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else {}
    for token in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end|>"):
        if token in vocab and vocab[token] not in ids:
            ids.append(int(vocab[token]))
    return tuple(ids)


def run_nl_eval(
    settings: Settings,
    engine: Engine,
    problems: Sequence[NLProblem],
    specs: Sequence[VersionSpec],
    *,
    source_run: str | None,
    source_file: str,
    n: int,
    ks: Sequence[int] = (1, 8),
    temperature: float | None = None,
    max_new_tokens: int = 512,
    seed: int = 0,
    n_resamples: int = 2000,
    backend_factory: BackendFactory | None = None,
    on_progress: Callable[[str], None] | None = None,
    name: str | None = None,
) -> NLReport:
    """Sample ``n`` solutions per problem per version, score them, store and return pass@k."""
    if n < max(ks):
        raise FimrlError(f"pass@{max(ks)} needs --n >= {max(ks)} (got {n})")
    progress = on_progress or (lambda _m: None)
    temp = temperature if temperature is not None else settings.temperature
    run_name = name or (
        f"nl-{source_run or 'base'}-{Path(source_file).stem}-"
        f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"
    )
    run_id = ensure_run(
        engine,
        run_name,
        kind=NL_EVAL_KIND,
        config={
            "source_run": source_run,
            "file": source_file,
            "file_sha256": hashlib.sha256(
                "\n".join(f"{p.id}\t{p.question}\t{p.answer}" for p in problems).encode()
            ).hexdigest(),
            "n": n,
            "ks": list(ks),
            "sampling": {"temperature": temp, "max_new_tokens": max_new_tokens, "seed": seed},
            "versions": [asdict(s) for s in specs],
            "problems": [{"id": p.id, "answer": p.answer} for p in problems],
        },
    )
    loader = PolicyLoader(
        backend_factory or (lambda model: default_backend(settings, model)), on_load=progress
    )
    report = NLReport(run_id, run_name, source_run, len(problems))
    try:
        for spec in specs:
            backend = loader.load(spec)
            tokenizer = backend.tokenizer
            sampling = Sampling(
                temperature=temp,
                top_p=settings.top_p,
                max_new_tokens=max_new_tokens,
                stop_token_ids=_stop_ids(tokenizer),
                seed=seed,
            )
            prompts = [
                list(
                    tokenizer(nl_prompt(p.question, tokenizer), add_special_tokens=False)[
                        "input_ids"
                    ]
                )
                for p in problems
            ]
            progress(f"{spec.label}: sampling {n} solutions for {len(problems)} problems")
            samples = backend.generate(prompts, n, sampling)
            outcomes: list[TaskOutcome] = []
            per_problem: list[dict[str, Any]] = []
            for i, (problem, group) in enumerate(zip(problems, samples, strict=True)):
                answers = [extract_final_answer(s.text) for s in group]
                correct = [answers_equivalent(a, problem.answer) for a in answers]
                outcomes.append(TaskOutcome(i, "nl", len(group), sum(correct)))
                per_problem.append(
                    {
                        "id": problem.id,
                        "n": len(group),
                        "c": sum(correct),
                        "answers": answers,
                        "correct": correct,
                        "completions": [s.text[:KEEP_COMPLETION_CHARS] for s in group],
                    }
                )
            figures = {
                k: value
                for k in ks
                if (value := mean_pass_at_k(outcomes, k, n_resamples=n_resamples, seed=seed))
                is not None
            }
            report.results.append(NLVersionResult(spec, figures, per_problem))
    finally:
        loader.close()
    _store(engine, report)
    finish_run(engine, run_id)
    return report


def _store(engine: Engine, report: NLReport) -> None:
    results = {
        str(r.spec.version): {
            "label": r.spec.label,
            "pass_at_k": {str(k): v.to_json() for k, v in r.pass_at_k.items()},
            "per_problem": r.per_problem,
        }
        for r in report.results
    }
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE runs SET config = config || CAST(:p AS jsonb) WHERE id = :r"),
            {"p": json.dumps({"results": results}), "r": report.run_id},
        )


def lean_figures(
    engine: Engine,
    source_run: str | None,
    version: int,
    ks: Sequence[int],
    *,
    split: str | None = "test",
    n_resamples: int = 2000,
    seed: int = 0,
) -> tuple[str, dict[int, PassAtK]] | None:
    """The Lean pass@k of the same version (newest evaluation, test split if there is one)."""
    latest = latest_outcomes(engine, source_run, version, split=split)
    if latest is None and split is not None:
        latest = latest_outcomes(engine, source_run, version, split=None)
    if latest is None:
        return None
    info, outcomes = latest
    figures = {
        k: value
        for k in ks
        if (value := mean_pass_at_k(outcomes, k, n_resamples=n_resamples, seed=seed)) is not None
    }
    return info.name, figures
