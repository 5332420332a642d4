"""Peer groups organisations are compared within: the NHS Staff Survey's benchmarking groups for
the type of organisation, and a size band by headcount. Pure: no Flask, no database."""

ORGANISATION_TYPES = {
    "acute": "Acute",
    "acute-community": "Acute and community",
    "acute-specialist": "Acute specialist",
    "ambulance": "Ambulance",
    "community": "Community",
    "mental-health": "Mental health and learning disability",
    "mental-health-community": "Mental health, learning disability and community",
}

# Upper bound (exclusive) of each band's workforce headcount; the last has none.
SIZE_BANDS = {
    "small": ("Small (under 3,000 staff)", 3000),
    "medium": ("Medium (3,000 to 6,999 staff)", 7000),
    "large": ("Large (7,000 to 11,999 staff)", 12000),
    "very-large": ("Very large (12,000 staff or more)", None),
}
SIZE_BAND_NAMES = {code: name for code, (name, _) in SIZE_BANDS.items()}


def size_band_for(headcount: int) -> str:
    """The band a workforce of this headcount falls in (a suggestion HR can accept)."""
    for code, (_name, below) in SIZE_BANDS.items():
        if below is None or headcount < below:
            return code
    raise AssertionError("the last band has no upper bound")


def parse_type(text: str) -> str:
    value = (text or "").strip().lower()
    if value and value not in ORGANISATION_TYPES:
        raise ValueError(
            f"{text!r} is not an organisation type: expected one of {', '.join(ORGANISATION_TYPES)}"
        )
    return value


def parse_size_band(text: str) -> str:
    value = (text or "").strip().lower()
    if value and value not in SIZE_BANDS:
        raise ValueError(f"{text!r} is not a size band: expected one of {', '.join(SIZE_BANDS)}")
    return value


def type_name(code: str) -> str:
    return ORGANISATION_TYPES.get(code, "Not set")


def size_name(code: str) -> str:
    return SIZE_BAND_NAMES.get(code, "Not set")
