"""Errors of the formula language and the values it computes; re-exported by `formula`."""

from decimal import Decimal

Value = Decimal | bool


class FormulaError(ValueError):
    """A formula that cannot be parsed or evaluated, with the 0-based offset of the culprit."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} at position {self.position}"


class UnknownName(FormulaError):
    """A name the formula reads has no value in the mapping given to `evaluate`."""

    def __init__(self, name: str, position: int) -> None:
        super().__init__(f"name '{name}' has no value", position)
        self.name = name
        # Keep args as (name, position) so the exception pickles and reconstructs.
        self.args = (name, position)


class DivisionByZero(FormulaError):
    """A division whose divisor is zero; the position is that of the '/'."""
