"""The prompt file and its rendering: front matter, the sandboxed Jinja environment and message blocks,
inputs and their fast check, sandbox size limits, bounded renders.

Imports nothing of promptgit but errors and resources (and observability): everything else builds on it.
"""
