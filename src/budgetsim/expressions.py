"""A small, safe expression language over applicant attributes.

Eligibility conditions and instrument bases are written as expressions such as
``rd_expense > 300 and growth > 0.15`` or ``rd_expense * deduction_rate``. They are parsed
with :mod:`ast` (parsing does not run anything), checked against a whitelist, compiled to a
tree of small node objects and evaluated on numpy arrays. Nothing in an expression is ever
passed to ``eval``.

Allowed: numbers, ``True``/``False``, attribute names, ``year`` and ``month`` (of arrival);
``+ - * / // % **``; comparisons (chained too); ``and``, ``or``, ``not``; ``a if cond else b``;
the functions ``min``, ``max`` (element-wise, two or more arguments), ``where(cond, a, b)``,
``abs``, ``log``, ``exp`` and ``clip(x, low, high)``; and text only in ``==``/``!=``
comparisons with a categorical attribute (``cert_type == "first"``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from budgetsim._model import SANE
from budgetsim.errors import ExpressionError, did_you_mean

__all__ = ["FUNCTIONS", "Expression", "compile_expression"]

Value: TypeAlias = NDArray[Any] | float | bool | np.bool_
#: Longest expression text [characters].
MAX_LENGTH = 2000
#: Deepest nesting of operations (a chain ``a + b + c + …`` of any length counts as one).
MAX_DEPTH = 40
#: Largest magnitude of a number written in, or computed from numbers only in, an expression;
#: the same bound as any number in a scenario.
MAX_NUMBER = SANE["number"][1]

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: np.power,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}


#: Operators whose right operand may not be a constant zero.
_DIVIDES = frozenset(op.__name__ for op in (ast.Div, ast.FloorDiv, ast.Mod))


def _fold(func: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return lambda *args: functools.reduce(func, args)


#: Whitelisted functions: name -> (implementation, minimum arguments, maximum arguments).
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "min": (_fold(np.minimum), 2, 16),
    "max": (_fold(np.maximum), 2, 16),
    "where": (np.where, 3, 3),
    "abs": (np.abs, 1, 1),
    "log": (np.log, 1, 1),
    "exp": (np.exp, 1, 1),
    "clip": (np.clip, 3, 3),
}


class _Node:
    def compute(self, env: Mapping[str, Value]) -> Value:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class _Const(_Node):
    value: float | bool | np.bool_

    def compute(self, env: Mapping[str, Value]) -> Value:
        return self.value


@dataclass(frozen=True)
class _Name(_Node):
    name: str

    def compute(self, env: Mapping[str, Value]) -> Value:
        return env[self.name]


@dataclass(frozen=True)
class _Apply(_Node):
    """Any operator or whitelisted function, looked up by name when evaluated."""

    op: str
    args: tuple[_Node, ...]

    def compute(self, env: Mapping[str, Value]) -> Value:
        result: Value = _OPS[self.op](*(a.compute(env) for a in self.args))
        return result


@dataclass(frozen=True)
class _Chain(_Node):
    """A left-to-right chain of binary operators, ``a - b + c * …`` as written in one run
    (``((a - b) + c) …``), evaluated in a loop, so that its length does not nest calls."""

    first: _Node
    rest: tuple[tuple[str, _Node], ...]

    def compute(self, env: Mapping[str, Value]) -> Value:
        value = self.first.compute(env)
        for op, node in self.rest:
            value = _OPS[op](value, node.compute(env))
        return value


def _logical_and(*args: Any) -> Any:
    return functools.reduce(np.logical_and, args)


def _logical_or(*args: Any) -> Any:
    return functools.reduce(np.logical_or, args)


_OPS: dict[str, Callable[..., Any]] = {
    **{op.__name__: f for op, f in _BINARY.items()},
    **{op.__name__: f for op, f in _COMPARE.items()},
    **{name: f for name, (f, _, _) in FUNCTIONS.items()},
    "and": _logical_and,
    "or": _logical_or,
    "not": np.logical_not,
    "neg": np.negative,
    "pos": np.positive,
    "if": lambda body, test, orelse: np.where(test, body, orelse),
}


@dataclass(frozen=True)
class Expression:
    """A compiled, validated expression.

    Attributes
    ----------
    text
        The expression as written.
    names
        The attribute names it reads.

    Examples
    --------
    >>> import numpy as np
    >>> e = compile_expression("min(rd * 0.05, 20)", {"rd"})
    >>> e.evaluate({"rd": np.array([100.0, 1000.0])}, size=2)
    array([ 5., 20.])
    """

    text: str
    names: frozenset[str]
    _root: _Node

    def evaluate(self, env: Mapping[str, Value], size: int) -> NDArray[Any]:
        """Evaluate on arrays of ``size`` applicants; scalars are broadcast to ``size``."""
        with np.errstate(all="ignore"):
            value = self._root.compute(env)
        return np.broadcast_to(np.asarray(value), (size,))

    def is_condition(self, flags: Collection[str] = ()) -> bool:
        """Whether the expression is true or false for each applicant (a comparison, ``and``,
        ``or``, ``not``, or one of the yes/no attributes ``flags``), not a number that would
        be read as "true unless zero".

        Examples
        --------
        >>> compile_expression("rd > 300 and not hte", {"rd", "hte"}).is_condition()
        True
        >>> compile_expression("rd", {"rd"}).is_condition()
        False
        >>> compile_expression("hte", {"hte"}).is_condition({"hte"})
        True
        """
        return _condition(self._root, frozenset(flags))

    def __str__(self) -> str:
        return self.text


_LOGICAL = frozenset({*(op.__name__ for op in _COMPARE), "and", "or", "not"})


def _condition(node: _Node, flags: frozenset[str]) -> bool:
    """Whether ``node`` gives true or false (see :meth:`Expression.is_condition`)."""
    if isinstance(node, _Const):
        return isinstance(node.value, bool | np.bool_)
    if isinstance(node, _Name):
        return node.name in flags
    if isinstance(node, _Apply):
        if node.op in _LOGICAL:
            return True
        branches = {"if": (0, 2), "where": (1, 2)}.get(node.op)
        if branches is not None:
            return all(_condition(node.args[i], flags) for i in branches)
        if node.op in ("min", "max"):
            return all(_condition(a, flags) for a in node.args)
    return False


class _Compiler:
    def __init__(
        self, text: str, allowed: Collection[str] | None, categories: Mapping[str, Sequence[str]]
    ) -> None:
        self.text = text
        self.allowed = allowed
        self.categories = categories
        self.names: set[str] = set()
        self.depth = 0

    def fail(self, message: str) -> ExpressionError:
        return ExpressionError(message, self.text)

    def compile(self, node: ast.AST) -> _Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expressions may nest at most {MAX_DEPTH} levels deep")
        try:
            return self.fold(self.node(node))
        finally:
            self.depth -= 1

    def fold(self, node: _Node) -> _Node:
        """``node``, computed now when it reads no attribute; its value must be a sane number."""
        parts = (
            node.args
            if isinstance(node, _Apply)
            else (node.first, *(n for _, n in node.rest))
            if isinstance(node, _Chain)
            else ()
        )
        if not parts or not all(isinstance(p, _Const) for p in parts):
            return node
        with np.errstate(all="ignore"):
            value = np.asarray(node.compute({}))
        # a NumPy scalar, as computing the part at run time gave: it keeps the result's type
        # (float64 with a float16 array of exp(x > 1), where a Python float would give way)
        if value.dtype == np.bool_:
            return _Const(np.bool_(value))
        return _Const(np.float64(self.number(float(value), "computes to")))

    def number(self, value: float, what: str) -> float:
        """``value`` when it is finite and within ±:data:`MAX_NUMBER`."""
        if np.isnan(value):
            raise self.fail(f"a part of it {what} a value that is not a number (e.g. log(-1))")
        if not np.isfinite(value) or abs(value) > MAX_NUMBER:
            shown = (
                f"{value:.6g}" if np.isfinite(value) else "infinity" if value > 0 else "−infinity"
            )
            raise self.fail(
                f"a part of it {what} {shown}, beyond the limit of ±{MAX_NUMBER:g} for numbers "
                "in expressions"
            )
        return value

    def chain(self, node: ast.BinOp) -> _Node:
        """A run of left-associative operators, gathered without recursing down its length."""
        links: list[tuple[str, ast.expr]] = []
        left: ast.expr = node
        while (
            isinstance(left, ast.BinOp)
            and type(left.op) in _BINARY
            and not isinstance(left.op, ast.Pow)
        ):
            links.append((type(left.op).__name__, left.right))
            left = left.left
        links.reverse()
        first = self.compile(left)
        rest = tuple((op, self.compile(right)) for op, right in links)
        for op, right in rest:
            if op in _DIVIDES and isinstance(right, _Const) and right.value == 0:
                raise self.fail("it divides by zero")
        while rest and isinstance(first, _Const) and isinstance(rest[0][1], _Const):
            first = self.fold(_Apply(rest[0][0], (first, rest[0][1])))  # 1 / 0 + x: 1 / 0
            rest = rest[1:]
        if not rest:
            return first
        if len(rest) == 1:
            return _Apply(rest[0][0], (first, rest[0][1]))
        return _Chain(first, rest)

    def node(self, node: ast.AST) -> _Node:
        match node:
            case ast.Expression(body=body):
                return self.compile(body)
            case ast.Constant(value=bool() as value):
                return _Const(value)
            case ast.Constant(value=int() | float() as value) if not isinstance(value, complex):
                if isinstance(value, int) and abs(value) > MAX_NUMBER:
                    raise self.fail(
                        f"it has a number of {len(str(abs(value)))} digits; numbers in "
                        f"expressions are limited to ±{MAX_NUMBER:g}"
                    )
                return _Const(self.number(float(value), "is written as"))
            case ast.BinOp(op=op) if type(op) in _BINARY and not isinstance(op, ast.Pow):
                return self.chain(node)
            case ast.Constant(value=str() as value):
                raise self.fail(
                    f"text {value!r} is only allowed in == or != comparisons with a "
                    "categorical attribute"
                )
            case ast.Name(id=name):
                return self.name(name)
            case ast.BinOp(left=left, op=op, right=right) if type(op) in _BINARY:
                return _Apply(type(op).__name__, (self.compile(left), self.compile(right)))
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return _Apply("not", (self.compile(operand),))
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return _Apply("neg", (self.compile(operand),))
            case ast.UnaryOp(op=ast.UAdd(), operand=operand):
                return _Apply("pos", (self.compile(operand),))
            case ast.BoolOp(op=op, values=values):
                return _Apply(
                    "and" if isinstance(op, ast.And) else "or",
                    tuple(self.compile(v) for v in values),
                )
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                return self.compare(left, ops, comparators)
            case ast.IfExp(test=test, body=body, orelse=orelse):
                return _Apply("if", (self.compile(body), self.compile(test), self.compile(orelse)))
            case ast.Call():
                return self.call(node)
            case ast.Attribute(attr=attr):
                raise self.fail(f"attribute access ('.{attr}') is not allowed")
            case ast.Subscript():
                raise self.fail("indexing with [...] is not allowed")
            case ast.BinOp(op=op):
                raise self.fail(f"the operator {type(op).__name__} is not allowed")
            case _:
                raise self.fail(f"{type(node).__name__} is not allowed")

    def name(self, name: str) -> _Node:
        if name.startswith("_"):
            raise self.fail(f"names starting with '_' are not allowed ({name!r})")
        if name in FUNCTIONS:
            raise self.fail(f"{name!r} is a function; call it as {name}(...)")
        if self.allowed is not None and name not in self.allowed:
            hint = did_you_mean(name, self.allowed)
            known = ", ".join(sorted(self.allowed))
            message = f"unknown name {name!r}; known names: {known}"
            if hint:
                message += f" (did you mean {hint!r}?)"
            raise self.fail(message)
        if name in self.categories:
            raise self.fail(
                f"{name!r} is categorical; compare it with a category, e.g. "
                f"{name} == {self.categories[name][0]!r}"
            )
        self.names.add(name)
        return _Name(name)

    def compare(self, left: ast.expr, ops: list[ast.cmpop], rights: list[ast.expr]) -> _Node:
        operands = [left, *rights]
        pairs = []
        for op, a, b in zip(ops, operands[:-1], operands[1:], strict=True):
            if type(op) not in _COMPARE:
                raise self.fail(f"the comparison {type(op).__name__} is not allowed")
            category = self.category_compare(op, a, b)
            pairs.append(category or _Apply(type(op).__name__, (self.compile(a), self.compile(b))))
        return pairs[0] if len(pairs) == 1 else _Apply("and", tuple(pairs))

    def category_compare(self, op: ast.cmpop, a: ast.expr, b: ast.expr) -> _Node | None:
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            a, b = b, a
        if not (isinstance(b, ast.Constant) and isinstance(b.value, str)):
            return None
        if not (isinstance(a, ast.Name) and a.id in self.categories):
            raise self.fail(f"text {b.value!r} can only be compared with a categorical attribute")
        if not isinstance(op, ast.Eq | ast.NotEq):
            raise self.fail("categories can only be compared with == or !=")
        labels = list(self.categories[a.id])
        if b.value not in labels:
            hint = did_you_mean(b.value, labels)
            message = f"{a.id!r} has no category {b.value!r}; categories: {', '.join(labels)}"
            if hint:
                message += f" (did you mean {hint!r}?)"
            raise self.fail(message)
        self.names.add(a.id)
        return _Apply(type(op).__name__, (_Name(a.id), _Const(float(labels.index(b.value)))))

    def call(self, node: ast.Call) -> _Node:
        if isinstance(node.func, ast.Attribute):
            raise self.fail(f"attribute access ('.{node.func.attr}') is not allowed")
        if not isinstance(node.func, ast.Name):
            raise self.fail("only the whitelisted functions can be called: " + ", ".join(FUNCTIONS))
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.fail(
                f"function {name!r} is not allowed; allowed functions: {', '.join(FUNCTIONS)}"
            )
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail("unpacking with * is not allowed")
        _, low, high = FUNCTIONS[name]
        if not low <= len(node.args) <= high:
            count = str(low) if low == high else f"{low} or more"
            raise self.fail(f"{name}() takes {count} arguments, got {len(node.args)}")
        return _Apply(name, tuple(self.compile(a) for a in node.args))


def compile_expression(
    text: str,
    allowed_names: Collection[str] | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> Expression:
    """Parse and check an expression.

    Parameters
    ----------
    text
        The expression, e.g. ``"rd_expense > 300 and growth > 0.15"``.
    allowed_names
        The names it may read (attributes and ``year``); None allows any name.
    categories
        Categorical attributes and their labels, for ``name == "label"`` comparisons.

    Returns
    -------
    Expression
        The compiled expression.

    Raises
    ------
    ExpressionError
        For syntax errors, anything outside the whitelist and unknown names.

    Examples
    --------
    >>> compile_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    budgetsim.errors.ExpressionError: function '__import__' is not allowed; ...
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an expression must be non-empty text", str(text))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expressions are limited to {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"syntax error{where}: {exc.msg}", text) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is too deeply nested or malformed", text) from None
    compiler = _Compiler(text, allowed_names, categories or {})
    try:
        root = compiler.compile(tree)
    except RecursionError:
        raise ExpressionError("expression is too deeply nested", text) from None
    return Expression(text=text, names=frozenset(compiler.names), _root=root)
