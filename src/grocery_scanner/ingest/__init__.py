"""From recipes and shopping lists to ingredients with quantities."""
