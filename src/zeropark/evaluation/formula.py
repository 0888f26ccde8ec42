"""Formulas of an evaluation item: a small, safe expression language over the indicator catalogue.

A formula is one arithmetic expression over the named values of
:data:`zeropark.evaluation.catalogue.INDICATORS` — e.g. ``emissions_tco2 / energy_tce`` or
``100 * electricity_self_consumed_kwh / electricity_consumed_kwh``. It is parsed with Python's
``ast`` module in ``eval`` mode and *walked*, never executed: only numbers, catalogue names,
``+ - * /``, unary minus, parentheses and the functions ``min(a, b, ...)`` / ``max(a, b, ...)``
are accepted; anything else (attribute access, calls of other names, subscripts, comparisons,
``**``, strings, lambdas ...) is a :class:`FormulaSyntaxError` naming what was found.

Values carry their catalogue unit through the computation as pint quantities
(:data:`zeropark.units.ureg`), so a formula's unit is known before any data exist
(:func:`formula_unit`) and the item's declared unit is checked against it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from pint.errors import DimensionalityError

from zeropark.errors import DataError
from zeropark.units import ureg

__all__ = [
    "FormulaError",
    "FormulaSyntaxError",
    "UnknownIndicator",
    "ZeroDivisionInFormula",
    "evaluate_formula",
    "formula_names",
    "formula_unit",
    "parse_formula",
]

Quantity = Any  # a pint Quantity of ureg (pint's generic types are not precise enough for mypy)

#: Functions a formula may call.
FUNCTIONS: dict[str, Callable[..., Quantity]] = {"min": min, "max": max}


class FormulaError(DataError):
    """A formula that cannot be used; ``where`` names the field it was read from."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}")


class FormulaSyntaxError(FormulaError):
    """A formula outside the expression language (or not parseable at all)."""


class UnknownIndicator(FormulaError):
    """A formula names an indicator that is not in the catalogue."""

    def __init__(self, where: str, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        super().__init__(where, f"unknown indicator '{name}'; the catalogue has: {', '.join(sorted(known))}")


class ZeroDivisionInFormula(FormulaError):
    """A division by a value that is zero in the data (the item is reported as missing)."""


_BINOPS: dict[type[ast.operator], Callable[[Quantity, Quantity], Quantity]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


def parse_formula(formula: str, where: str, known: Mapping[str, str]) -> ast.Expression:
    """Parse and check ``formula``: only the expression language, only names of ``known``.

    Parameters
    ----------
    formula : str
        The expression text.
    where : str
        The field it came from (e.g. ``items[3].formula``), named in every error.
    known : Mapping[str, str]
        Catalogue names → their pint unit strings.

    Raises
    ------
    FormulaSyntaxError
        Empty, not parseable, or a construct outside the language.
    UnknownIndicator
        A name not in ``known``.
    """
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaSyntaxError(where, "the formula is empty; write e.g. 'emissions_tco2 / energy_tce'")
    if len(formula) > 500:
        raise FormulaSyntaxError(where, "the formula is longer than 500 characters")
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaSyntaxError(where, f"cannot parse '{formula}': {exc.msg}") from None
    _check(tree.body, where, known)
    return tree


def _check(node: ast.expr, where: str, known: Mapping[str, str]) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaSyntaxError(where, f"only numbers are allowed as constants, not {node.value!r}")
        return
    if isinstance(node, ast.Name):
        if node.id not in known:
            raise UnknownIndicator(where, node.id, tuple(known))
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise FormulaSyntaxError(
                where, f"operator '{type(node.op).__name__}' is not allowed (use + - * /)"
            )
        _check(node.left, where, known)
        _check(node.right, where, known)
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, where, known)
        return
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS or node.keywords or not node.args:
            raise FormulaSyntaxError(where, "only min(a, b, ...) and max(a, b, ...) may be called")
        for arg in node.args:
            _check(arg, where, known)
        return
    raise FormulaSyntaxError(where, f"'{type(node).__name__}' is not allowed in a formula")


def formula_names(tree: ast.Expression) -> tuple[str, ...]:
    """The catalogue names a parsed formula uses, in order of first appearance."""
    seen: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            seen.setdefault(node.id, None)
    return tuple(seen)


def _eval(node: ast.expr, values: Mapping[str, Quantity], where: str) -> Quantity:
    if isinstance(node, ast.Constant):
        return ureg.Quantity(float(node.value), "dimensionless")  # type: ignore[arg-type]
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        left = _eval(node.left, values, where)
        right = _eval(node.right, values, where)
        if isinstance(node.op, ast.Div) and float(right.magnitude) == 0.0:
            raise ZeroDivisionInFormula(where, f"division by zero in '{ast.unparse(node)}'")
        try:
            return _BINOPS[type(node.op)](left, right)
        except DimensionalityError as exc:
            raise FormulaError(
                where,
                f"'{ast.unparse(node)}' adds or subtracts different units ({exc.units1} and {exc.units2})",
            ) from None
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values, where)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [_eval(a, values, where) for a in node.args]
        try:
            return FUNCTIONS[node.func.id](*args)
        except DimensionalityError as exc:
            raise FormulaError(
                where, f"{node.func.id}() of different units ({exc.units1} and {exc.units2})"
            ) from None
    raise FormulaSyntaxError(
        where, f"'{type(node).__name__}' is not allowed in a formula"
    )  # pragma: no cover


@lru_cache(maxsize=8)
def _ones(known: tuple[tuple[str, str], ...]) -> dict[str, Quantity]:
    """1 of each unit (parsing unit strings is the slow part of checking a formula)."""
    return {name: ureg.Quantity(1.0, unit) for name, unit in known}


def formula_unit(tree: ast.Expression, known: Mapping[str, str], where: str) -> Quantity:
    """The unit of a parsed formula: evaluated once on 1 of each catalogue unit.

    Returns a quantity whose ``.units`` are the formula's units (its magnitude is meaningless).

    Raises
    ------
    FormulaError
        The formula adds or compares values of different dimensions.
    """
    try:
        return _eval(tree.body, _ones(tuple(sorted(known.items()))), where)
    except ZeroDivisionInFormula:
        raise FormulaSyntaxError(where, "the formula divides by the constant 0") from None


def evaluate_formula(
    tree: ast.Expression, values: Mapping[str, float], units: Mapping[str, str], unit: str, where: str
) -> float:
    """The value of a parsed formula on ``values`` (floats in the catalogue ``units``), in ``unit``.

    Raises
    ------
    ZeroDivisionInFormula
        A divisor is zero in the data.
    FormulaError
        The result does not convert to ``unit``.
    """
    quantities = {name: ureg.Quantity(v, units[name]) for name, v in values.items()}
    result = _eval(tree.body, quantities, where)
    try:
        return float(result.to(unit).magnitude)
    except DimensionalityError:
        raise FormulaError(where, f"the formula gives {result.units:~}, which is not '{unit}'") from None
