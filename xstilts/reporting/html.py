"""Markdown pages as standalone HTML (markdown-it-py, CommonMark with tables), so that the
Snakemake report shows the answer page and the tables inline rather than as downloads."""

from __future__ import annotations

import html

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 1.5em auto; padding: 0 1em;
       color: #111; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.8em 0 1.4em; font-size: 0.92em; }
th, td { border-top: 1px solid #999; border-bottom: 1px solid #999; padding: 0.25em 0.6em;
         text-align: right; white-space: nowrap; }
th { border-bottom: 2px solid #111; }
td:first-child, th:first-child, td:nth-child(2), th:nth-child(2) { text-align: left; }
td:first-child, td:last-child { white-space: normal; }
code { background: #f1f1f1; padding: 0 0.2em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
"""


def markdown_page(title: str, markdown_text: str) -> str:
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark").enable("table").render(markdown_text)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )
