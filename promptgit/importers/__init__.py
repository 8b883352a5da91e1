"""`promptgit import`: prompts of other tools converted to promptgit files, with what was lost named.

One module per source format (prompty, dotprompt, langfuse), each turning one source prompt into a
Conversion (result.py: the files, what converted, what was lost and why); handlebars.py and messages.py
translate template syntax and role markers, schemas.py the input and output declarations, compose.py
writes the front matter, writing.py plans and writes the files and labels.

An application room: it may import any library area (format, store, config, ...), never the CLI or the
commands, and nothing in the library imports it.
"""

from __future__ import annotations

from pathlib import Path

from promptgit.importers.result import Conversion, Loss, NewFile

FORMATS = ("prompty", "dotprompt", "langfuse")

__all__ = ["FORMATS", "Conversion", "Loss", "NewFile", "convert"]


def convert(source_format: str, paths: list[Path], *, kind: str | None = None) -> list[Conversion]:
    """Every source prompt under `paths` (files or directories) converted; nothing is written.

    Two sources that become the same prompt name: the second is an error of its own, not a silent
    replacement. `kind` defaults to the source format's name.
    """
    kind = kind or source_format
    if source_format == "prompty":
        from promptgit.importers import prompty

        conversions = [prompty.convert(path, name, kind) for path, name in prompty.sources(paths)]
    elif source_format == "dotprompt":
        from promptgit.importers import dotprompt

        conversions = dotprompt.convert_all(paths, kind)
    elif source_format == "langfuse":
        from promptgit.importers import langfuse

        conversions = langfuse.convert_all(paths, kind)
    else:
        raise ValueError(f"unknown source format {source_format!r}; one of {', '.join(FORMATS)}")
    seen: dict[str, str] = {}
    for conversion in conversions:
        if conversion.name is None or conversion.error:
            continue
        if conversion.name in seen:
            conversion.error = f"the same prompt name {conversion.name} as {seen[conversion.name]}"
            conversion.files.clear()
        else:
            seen[conversion.name] = conversion.source
    return conversions
