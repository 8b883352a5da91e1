"""Git as the version store: objects and refs, release tags, selectors, labels, releasing, the work tree.

May import format, config and the shared modules (errors, findings, resources); never validation or above.
"""
