"""The cache of what stores answered, behind one interface (cache/tiers.py) with tiers tried in
order: memory (cachetools), then disk (a table in the project's database). The fetch chain's cache
layer serves a fresh answer from the first tier that has it, promotes it to the tiers above, and
writes a new answer through to every tier. Entries are JSON, never pickled; one that cannot be read
is dropped and fetched again."""
