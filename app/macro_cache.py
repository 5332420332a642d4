"""The NHS.UK header, footer, tags and pagination, rendered once per distinct set of parameters.

The NHS.UK macros are pure functions of their parameters, but rendering them (attribute macros,
chained look-ups of absent parameters) cost more than the rest of a list page. Each worker keeps
the HTML each set of parameters gave; a page's header differs only by the user's name, their
organisation, their navigation (with its unread count and current section) and the sign-out
form, whose CSRF token changes every request: that form goes in as a placeholder, swapped for
the real one after rendering.
"""

from markupsafe import Markup, escape

MAX_ENTRIES = 1024
# Placeholders for the HTML parameters (literals: Markup is only ever built from literals here).
_SLOTS = (Markup("@@wres-macro-slot-0@@"), Markup("@@wres-macro-slot-1@@"))


def _freeze(value, slots: list):
    """A hashable key for the parameters, keeping types (a Markup value renders unescaped)."""
    if isinstance(value, dict):
        return tuple(
            (key, _freeze(_slot(item, slots) if key == "html" else item, slots))
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_freeze(item, slots) for item in value))
    if isinstance(value, str | int | float | bool | type(None)):
        return (type(value).__name__, value)
    return (type(value).__name__,)  # Jinja's undefined: every one renders alike


def _slot(item, slots: list):
    if isinstance(item, Markup):
        slots.append(item)
        return ("slot",)
    return item


def _with_slots(value, slots: list, counter: list):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "html" and isinstance(item, Markup):
                out[key] = _SLOTS[counter[0]]
                counter[0] += 1
            else:
                out[key] = _with_slots(item, slots, counter)
        return out
    if isinstance(value, list | tuple):
        return type(value)(_with_slots(item, slots, counter) for item in value)
    return value


class MacroCache:
    def __init__(self, environment, template: str, name: str) -> None:
        self.environment, self.template, self.name = environment, template, name
        self.rendered: dict = {}
        self.plain: dict = {}

    def __call__(self, params):
        if type(params) is dict and all(type(value) is str for value in params.values()):
            # Text parameters only (a list's tags, printed on every row): a dict look-up on
            # them, without the generic key's walk through the parameters.
            key = tuple(params.items())
            html = self.plain.get(key)
            if html is None:
                if len(self.plain) >= MAX_ENTRIES:
                    self.plain.clear()
                macro = getattr(self.environment.get_template(self.template).module, self.name)
                html = self.plain[key] = macro(params)
            return html
        slots: list = []
        key = _freeze(params, slots)
        macro = getattr(self.environment.get_template(self.template).module, self.name)
        if len(slots) > len(_SLOTS) or any("\n" in slot for slot in slots):
            # More HTML parameters than placeholders, or HTML of several lines (which a macro
            # might indent): rendered uncached.
            return macro(params)
        parts = self.rendered.get(key)
        if parts is None:
            html = macro(_with_slots(params, [], [0]))
            used = _SLOTS[: len(slots)]
            places = [html.find(slot) for slot in used]
            if any(html.count(slot) != 1 for slot in used) or places != sorted(places):
                return macro(params)  # not printed once each, in order: rendered uncached
            parts = _kept(self.rendered, key, _split(html, used))
        # The macro prints `html | safe | trim`; Markup pieces joined stay Markup, unescaped.
        return _filled(parts, [slot.strip() for slot in slots])


def _split(html: str, places) -> list[str]:
    """The kept HTML around its placeholders, which it prints once each, in order."""
    parts = [html]
    for place in places:
        parts[-1:] = parts[-1].split(place)
    return parts


def _kept(rendered: dict, key, parts: list[str]) -> list[str]:
    if len(rendered) >= MAX_ENTRIES:
        rendered.clear()
    rendered[key] = parts
    return parts


def _filled(parts: list[str], values: list) -> Markup:
    """The kept HTML with this request's values (already safe) in its placeholders."""
    pieces = [parts[0]]
    for value, part in zip(values, parts[1:], strict=True):
        pieces += [value, part]
    return Markup("").join(pieces)


class PaginationCache:
    """The NHS.UK pagination (previous and next links), kept with its links and labels as
    placeholders per label and set of links shown; each request's are escaped into it, as the
    template would escape them."""

    _PLACES = ("prev-href", "prev-label", "next-href", "next-label")

    def __init__(self, environment) -> None:
        self.environment = environment
        self.rendered: dict = {}

    def _macro(self):
        template = self.environment.get_template("nhsuk/components/pagination/macro.jinja")
        return template.module.pagination

    @staticmethod
    def _params(aria_label, previous, next_):
        params = {"ariaLabel": aria_label}
        if previous:
            params["previous"] = {"href": previous[0], "labelText": previous[1]}
        if next_:
            params["next"] = {"href": next_[0], "labelText": next_[1]}
        return params

    def __call__(self, aria_label: str, previous=None, next_=None):
        """`previous` and `next_` are (address, label) or None."""
        values = [*(previous or ()), *(next_ or ())]
        if any(type(value) is not str or value != value.strip() for value in values):
            # Text the template would trim, or HTML: rendered by the macro itself.
            return self._macro()(self._params(aria_label, previous, next_))
        # The label's type is in the key: Markup and text print differently when they differ.
        key = (type(aria_label), aria_label, previous is not None, next_ is not None)
        parts = self.rendered.get(key)
        if parts is None:
            places = [f"@@wres-pagination-{name}@@" for name in self._PLACES]
            html = self._macro()(
                self._params(
                    aria_label,
                    (places[0], places[1]) if previous else None,
                    (places[2], places[3]) if next_ else None,
                )
            )
            used = [place for place in places if place in html]
            if len(used) != len(values) or any(html.count(place) != 1 for place in used):
                return self._macro()(self._params(aria_label, previous, next_))
            parts = _kept(self.rendered, key, _split(html, used))
        return _filled(parts, [escape(value) for value in values])


class BackLinkCache:
    """The NHS.UK back link, kept per link text with its address as a placeholder: every page
    prints one, and most differ only by an object's id in the address."""

    _PLACE = "@@wres-back-link-href@@"

    def __init__(self, environment) -> None:
        self.environment = environment
        self.rendered: dict = {}

    def _macro(self):
        template = self.environment.get_template("nhsuk/components/back-link/macro.jinja")
        return template.module.backLink

    def __call__(self, params):
        href, text = params.get("href"), params.get("text")
        if (
            type(params) is not dict
            or params.keys() != {"href", "text"}
            or type(href) is not str
            or type(text) is not str
            or not href
            or href != href.strip()
        ):
            # Anything but a plain text and address: rendered by the macro itself.
            return self._macro()(params)
        parts = self.rendered.get(text)
        if parts is None:
            html = self._macro()({"href": self._PLACE, "text": text})
            if html.count(self._PLACE) != 1:
                return self._macro()(params)
            parts = _kept(self.rendered, text, _split(html, [self._PLACE]))
        return _filled(parts, [escape(href)])


def register(app) -> None:
    env = app.jinja_env
    env.globals["cached_header"] = MacroCache(env, "nhsuk/components/header/macro.jinja", "header")
    env.globals["cached_footer"] = MacroCache(env, "nhsuk/components/footer/macro.jinja", "footer")
    # A list's status tags: a handful of distinct ones, printed on every row.
    env.globals["cached_tag"] = MacroCache(env, "nhsuk/components/tag/macro.jinja", "tag")
    # Every long list prints one or two, and the macro cost more than the list's rows.
    env.globals["cached_pagination"] = PaginationCache(env)
    # Every page prints a back link and a skip link.
    env.globals["cached_back_link"] = BackLinkCache(env)
    env.globals["cached_skip_link"] = MacroCache(
        env, "nhsuk/components/skip-link/macro.jinja", "skipLink"
    )
