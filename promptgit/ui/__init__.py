"""`promptgit ui`: a local, read-only web UI over a prompt repository (issue 25).

reads.py (every read of the repository: the one module to switch to promptgit/sources/), worker.py (renders
and validation in a bounded child process), forms.py (the render form from `inputs:`), views.py (what each
page shows), app.py (the WSGI application: routing, guards, templates), server.py (the standard library's
server). Templates and CSS ship as package data: no CDN, no build step, no script.

May import any library area (format, store, tokens, validation, loader) and the shared modules; never the
commands or the CLI.
"""
