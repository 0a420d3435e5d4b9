"""How a store request travels: a chain of layers around an HTTP transport (see chain.py)."""
