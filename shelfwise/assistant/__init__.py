"""The shopping assistant (issue 31): conversational product search and shop questions in
English and Chinese, grounded in the catalog. `Assistant.turn` is the one entry point; the
dialogue state, its store, the FAQ and the grounding checker are its parts."""

from shelfwise.assistant.assistant import Assistant, Choice, Turn
from shelfwise.assistant.conversations import ConversationStore, MemoryConversations, open_conversations
from shelfwise.assistant.faq import FaqEntry, FaqFileError, read_faq, write_faq
from shelfwise.assistant.grounding import UngroundedReply, check
from shelfwise.assistant.records import AssistantAnswer, Option, Question, ShownProduct, Source, Statement
from shelfwise.assistant.state import DialogueState

__all__ = [
    "Assistant",
    "AssistantAnswer",
    "Choice",
    "ConversationStore",
    "DialogueState",
    "FaqEntry",
    "FaqFileError",
    "MemoryConversations",
    "Option",
    "Question",
    "ShownProduct",
    "Source",
    "Statement",
    "Turn",
    "UngroundedReply",
    "check",
    "open_conversations",
    "read_faq",
    "write_faq",
]
