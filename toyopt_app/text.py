"""Show untrusted text, such as values from a share link, literally in Markdown."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every character that Streamlit's Markdown could interpret.

    CommonMark treats a backslash before any ASCII punctuation as that character
    itself, so the escaped text renders exactly as written: no links, emphasis,
    LaTeX (`$`), emoji or icon shortcodes (`:name:`), or HTML entities.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))
