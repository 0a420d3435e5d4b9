"""Ingredient to store product: scoring, hard-negative rules and pack counts."""
