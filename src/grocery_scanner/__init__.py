"""Grocery Price Scanner: the cheapest basket for the recipes you want to cook."""

__version__ = "0.1.0"
