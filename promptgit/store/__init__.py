"""Git as the version store: release tags and refs (gitstore, tagrefs, releases), selectors, the labels
file (labels_file) and traffic splits (traffic_split), releasing and bumping, the work tree (workspace),
what changed (changes, staged) and what a change needs (lineage).

Prompt files are read through promptgit.sources (a commit's tree, the working tree), never here.
May import sources, format, config, telemetry and the shared modules (errors, findings, resources); never
validation or above.
"""
