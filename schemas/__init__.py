"""The JSON Schemas, shipped inside the package as promptgit.schemas (pyproject.toml maps this directory).

A package rather than a symlink under promptgit/: a Windows checkout turns a symlink into a text file.
"""
