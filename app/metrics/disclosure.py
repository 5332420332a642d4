"""Disclosure control for published figures (DOMAIN.md section 12). Pure.

Primary suppression hides counts from 1 to the threshold. Secondary suppression then hides more
cells so that no hidden count can be worked out from a published total: in every group of cells
that add up to a published total (the total included), one hidden cell is never left alone.
"""

from collections.abc import Hashable, Iterable, Mapping

Key = Hashable
MASK = "*"


def suppress(
    cells: Mapping[Key, int], groups: Iterable[Iterable[Key]], threshold: int = 7
) -> set[Key]:
    """The keys to publish as `*`. `groups`: each the cells of a sum and its total's cell."""
    hidden = {key for key, value in cells.items() if 1 <= value <= threshold}
    if not hidden:
        return hidden
    groups = [[key for key in group if key in cells] for group in groups]
    changed = True
    while changed:
        changed = False
        for group in groups:
            in_group = [key for key in group if key in hidden]
            if len(in_group) != 1:
                continue
            # Hide the smallest other non-zero cell, so the hidden one cannot be derived.
            candidates = sorted(
                (cells[key], str(key), key) for key in group if key not in hidden and cells[key] > 0
            )
            if candidates:
                hidden.add(candidates[0][2])
                changed = True
    return hidden


def apply(cells: Mapping[Key, int], hidden: set[Key]) -> dict[Key, object]:
    return {key: (MASK if key in hidden else value) for key, value in cells.items()}
