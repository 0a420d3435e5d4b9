"""The plan workflow: inputs -> ingredients -> offers -> matches -> plan."""
