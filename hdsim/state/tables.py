"""Columnar tables: numpy columns declared as typed class annotations, with spare capacity.

The model keeps household, person and firm state in numpy arrays, one row per entity, so each
monthly step is a handful of vectorized operations over the whole county. A table subclass
declares every column as a class annotation whose numpy dtype is the column's dtype::

    class PersonTable(ColumnTable):
        age: NDArray[np.int16]

so ``persons.age`` is an attribute that type checkers and editors see. Tables have spare
capacity: births append persons without copying every array each month. Always slice with
``[: table.n]`` (or use :meth:`ColumnTable.view`) before computing.
"""

from __future__ import annotations

import inspect
import typing
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["ColumnTable", "HouseholdTable", "PersonTable", "column_dtypes"]


def _scalar_type(hint: Any) -> Any:
    """The numpy scalar type of an ``NDArray[scalar]`` annotation, None for anything else.

    ``NDArray[x]`` is an alias of ``np.ndarray[shape, np.dtype[x]]``; depending on the numpy
    version the alias is kept (origin ``NDArray``) or expanded (origin ``np.ndarray``).
    """
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is NDArray and len(args) == 1:
        return args[0]
    if origin is np.ndarray and len(args) == 2:
        inner = typing.get_args(args[1])
        return inner[0] if inner else None
    return None


def column_dtypes(cls: type) -> dict[str, np.dtype[Any]]:
    """Columns declared by a table class and its table bases: name → numpy dtype.

    A column is an annotation of the form ``NDArray[<numpy scalar type>]``; other annotations
    (``ClassVar``, plain ints) are not columns.

    Args:
        cls: A :class:`ColumnTable` subclass.

    Returns:
        The columns in declaration order, base classes first.
    """
    hints = typing.get_type_hints(cls)
    columns: dict[str, np.dtype[Any]] = {}
    for klass in reversed(cls.__mro__):
        for name in inspect.get_annotations(klass):
            scalar = _scalar_type(hints.get(name))
            if scalar is not None:
                columns[name] = np.dtype(scalar)
    return columns


class ColumnTable:
    """A set of equally long numpy columns with spare capacity for appending rows.

    Subclasses declare their columns as ``NDArray[dtype]`` annotations and their default fill
    values in ``DEFAULTS`` (0 otherwise). Each column attribute holds the full-capacity array.

    Attributes:
        n: Rows in use.
        capacity: Rows allocated.
    """

    COLUMNS: ClassVar[dict[str, np.dtype[Any]]] = {}
    DEFAULTS: ClassVar[dict[str, object]] = {}

    n: int
    capacity: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Collect the subclass's column annotations into ``COLUMNS``."""
        super().__init_subclass__(**kwargs)
        cls.COLUMNS = column_dtypes(cls)
        unknown = set(cls.DEFAULTS) - set(cls.COLUMNS)
        if unknown:
            raise TypeError(f"{cls.__name__}.DEFAULTS names no column: {sorted(unknown)}")

    def __init__(self, n: int, capacity: int | None = None) -> None:
        """Allocate ``n`` rows (filled with defaults) and room for ``capacity`` rows.

        Args:
            n: Number of rows in use.
            capacity: Allocated rows; defaults to ``n``.
        """
        self.n = int(n)
        self.capacity = max(int(capacity or n), self.n, 1)
        for name, dtype in self.COLUMNS.items():
            setattr(self, name, np.full(self.capacity, self.DEFAULTS.get(name, 0), dtype=dtype))

    def column(self, name: str) -> np.ndarray:
        """The full-capacity array of column ``name``."""
        if name not in self.COLUMNS:
            raise KeyError(f"{type(self).__name__} has no column {name!r}")
        array: np.ndarray = getattr(self, name)
        return array

    def view(self, name: str) -> np.ndarray:
        """The rows in use of column ``name`` (a view, not a copy)."""
        return self.column(name)[: self.n]

    def append(self, k: int) -> slice:
        """Add ``k`` default-filled rows, growing capacity if needed.

        Returns:
            The slice of the new rows.
        """
        needed = self.n + k
        if needed > self.capacity:
            new_cap = max(needed, int(self.capacity * 1.25) + 16)
            for name, dtype in self.COLUMNS.items():
                old = self.column(name)
                grown = np.full(new_cap, self.DEFAULTS.get(name, 0), dtype=dtype)
                grown[: self.n] = old[: self.n]
                setattr(self, name, grown)
            self.capacity = new_cap
        rows = slice(self.n, needed)
        self.n = needed
        return rows

    def nbytes(self) -> int:
        """Memory held by the columns, bytes."""
        return sum(self.column(name).nbytes for name in self.COLUMNS)


class PersonTable(ColumnTable):
    """One row per person ever simulated (the dead keep their row with ``alive`` false).

    Attributes:
        age: Age in completed years.
        birth_month: Calendar month of birth (1-12); a person ages when it comes round.
        female: Sex (True = female).
        household: Row of the person's household in :class:`HouseholdTable`.
        hukou_urban: Holds a non-agricultural (urban) hukou.
        away: Works or lives outside the county while the household stays (counted as
            registered, not as resident).
        alive: Still alive.
        employer: Row of the employing firm in the firm table, -1 if none.
        collective: Member of a collective household (students and workers in dormitories).
        place: Place of the person's household (kept in step with ``HouseholdTable.place`` by
            :meth:`hdsim.population.moves.Relocation.move`, so that counting residents needs no
            gather).
        hukou_township: Township index of the person's household registration (户口登记地),
            -1 = registered outside the county.
        origin: Where the registration is: 0 this county, 1 another county of the province,
            2 another province.
        married: Has married (first marriage; set at t0 from the marriage hazards and by
            :mod:`hdsim.mechanisms.family` at each marriage).
    """

    age: NDArray[np.int16]
    birth_month: NDArray[np.int8]
    female: NDArray[np.bool_]
    household: NDArray[np.int32]
    hukou_urban: NDArray[np.bool_]
    away: NDArray[np.bool_]
    alive: NDArray[np.bool_]
    employer: NDArray[np.int32]
    collective: NDArray[np.bool_]
    place: NDArray[np.int32]
    hukou_township: NDArray[np.int32]
    origin: NDArray[np.int8]
    married: NDArray[np.bool_]

    DEFAULTS: ClassVar[dict[str, object]] = {
        "alive": True,
        "employer": -1,
        "birth_month": 1,
        "hukou_township": -1,
    }


class HouseholdTable(ColumnTable):
    """One row per household (family or collective).

    Attributes:
        place: Place where the household lives (``Geography.outside`` if it left the county).
        origin: Home village (where its farmland and homestead are); urban-born households
            have their own place as origin.
        farmland_mu: Contracted farmland, mu.
        homestead: Holds a rural homestead (宅基地).
        collective: A collective household (集体户: dormitories, barracks); it does not move.
        months_at_place: Months since the household last moved.
        owner: Owns its dwelling at its current place.
        hukou_urban: The household's registration (户口簿) is urban (non-agricultural).
        tenure: How it holds its dwelling (``hdsim.state.housing.Tenure``: 0 rented,
            1 self-built, 2 bought); ``owner`` is true exactly when it is not rented.
        origin_household: Household this one split off from (at a marriage, for school or
            for work: :mod:`hdsim.population.splits`), -1 for households of the census.
        formed_by: How the household formed (:class:`hdsim.population.splits.Formation`:
            0 census, 1 marriage, 2 school, 3 work).
    """

    place: NDArray[np.int32]
    origin: NDArray[np.int32]
    farmland_mu: NDArray[np.float32]
    homestead: NDArray[np.bool_]
    collective: NDArray[np.bool_]
    months_at_place: NDArray[np.int16]
    owner: NDArray[np.bool_]
    hukou_urban: NDArray[np.bool_]
    tenure: NDArray[np.int8]
    origin_household: NDArray[np.int32]
    formed_by: NDArray[np.int8]

    DEFAULTS: ClassVar[dict[str, object]] = {"origin_household": -1}
