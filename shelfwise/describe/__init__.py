"""Grounded product descriptions (issue 30 part 6): `describe_products` drafts a description for
each product that lacks one, from its attributes, category, extracted facts and review summary,
with a template grammar per category and language (`grammars`); a small model may rephrase it
(`rephrase`), kept only when the fact check (`facts`) finds every number, brand, name, colour, size
and material in the product's data. Drafts wait in a `DraftStore` for the admin, who edits,
approves (`approval.approve`: the text becomes the product's description) or rejects them."""

from shelfwise.describe.approval import DraftConflict, approve, reject, save_edit
from shelfwise.describe.facts import Claim, Evidence, FactCheck, check, claims_in
from shelfwise.describe.grammar import Grammar, Sentence, Slots, choose_grammar, render
from shelfwise.describe.grammars import GRAMMARS
from shelfwise.describe.inputs import ProductInput, product_input
from shelfwise.describe.records import DRAFT_STATUSES, DescribeProblem, DescribeReport, DescriptionDraft
from shelfwise.describe.rephrase import Rephraser, RephraserUnavailable, SmolLM2Rephraser, guarded
from shelfwise.describe.store import DRAFTS_FILE, DraftStore, MemoryDraftStore, open_draft_store
from shelfwise.describe.writer import DescribeRequest, describe_products, draft_for

__all__ = [
    "DRAFTS_FILE",
    "DRAFT_STATUSES",
    "GRAMMARS",
    "Claim",
    "DescribeProblem",
    "DescribeReport",
    "DescribeRequest",
    "DescriptionDraft",
    "DraftConflict",
    "DraftStore",
    "Evidence",
    "FactCheck",
    "Grammar",
    "MemoryDraftStore",
    "ProductInput",
    "Rephraser",
    "RephraserUnavailable",
    "Sentence",
    "Slots",
    "SmolLM2Rephraser",
    "approve",
    "check",
    "choose_grammar",
    "claims_in",
    "describe_products",
    "draft_for",
    "guarded",
    "open_draft_store",
    "product_input",
    "reject",
    "render",
    "save_edit",
]
