"""What the user asked for: recipes, their ingredient lines, and the summed shopping needs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from grocery_scanner.models.offer import Quantity


class SourceRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source


class Ingredient(BaseModel):
    """One parsed ingredient line.

    `quantity` is in base units (g, ml or a count). `packages` marks a count of whole packages
    ("1 can tomatoes" with no size): the shopper buys that many packages of any size.
    """

    text: str
    name: str
    quantity: Quantity | None = None
    packages: bool = False
    amount_text: str | None = None
    preparation: str | None = None
    comment: str | None = None
    pantry: bool = False
    source: SourceRef
    warnings: tuple[str, ...] = ()
    confidence: float = Field(default=1.0, ge=0, le=1)
    alternatives: tuple[str, ...] = ()  # "ghee or unsalted butter": what may be bought instead of `name`


class Recipe(BaseModel):
    title: str
    source: str
    servings: float | None = Field(default=None, gt=0)
    ingredients: list[Ingredient] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)


class Need(BaseModel):
    """One thing to buy: an ingredient summed over every recipe that uses it."""

    key: str
    name: str
    quantity: Quantity | None = None
    packages: bool = False
    pantry: bool = False
    sources: list[SourceRef] = Field(default_factory=list)
    lines: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    alternatives: list[str] = Field(default_factory=list)  # what every line asking for it allows instead
