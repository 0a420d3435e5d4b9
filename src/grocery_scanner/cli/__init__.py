"""The `grocery-scanner` command line."""
