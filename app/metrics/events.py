"""Points where other features react to the figures without metrics knowing them.

The goals feature registers here: when a WRES year closes and its 31 March figures are stored,
the target moves with the workforce's share, so the required path is recomputed next to the
goals.
"""

from collections.abc import Callable

# listener(organisation_id, year) -> None, called in the transaction that stored the year
year_closed_listeners: list[Callable] = []


def year_closed(organisation_id: int, year: int) -> None:
    for listener in year_closed_listeners:
        listener(organisation_id, year)
