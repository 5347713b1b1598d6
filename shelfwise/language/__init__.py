"""Language-specific text processing: which language a catalog is in (`detect_language`), and
Chinese folding, segmentation and analysis (`shelfwise.language.chinese`)."""

from shelfwise.language.chinese import ChineseSegmenter, analyze, bigrams, catalog_words, fold, segment
from shelfwise.language.detect import LANGUAGES, Language, detect_language, language_of_scripts

__all__ = [
    "LANGUAGES",
    "ChineseSegmenter",
    "Language",
    "analyze",
    "bigrams",
    "catalog_words",
    "detect_language",
    "fold",
    "language_of_scripts",
    "segment",
]
