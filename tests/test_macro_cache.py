"""The cached NHS.UK header and footer print exactly what the macros print."""

from markupsafe import Markup, escape

from app.macro_cache import MacroCache

HEADER = "nhsuk/components/header/macro.jinja"


def _params(name, token, current="/vacancies"):
    sign_out = Markup('<form method="post"><input name="csrf_token" value="{}"></form>').format(
        token
    )
    return {
        "service": {"text": "WRES Workflow", "href": "/"},
        "organisation": {"name": "Example NHS Trust"},
        "account": {
            "items": [{"href": "/account", "text": name, "icon": True}, {"html": sign_out}]
        },
        "navigation": {
            "items": [
                {"text": "Vacancies", "href": "/vacancies", "current": current == "/vacancies"},
                {"text": "Staff", "href": "/staff", "current": current == "/staff"},
            ]
        },
    }


def test_each_request_gets_what_the_macro_gives_it(app):
    env = app.jinja_env
    macro = env.get_template(HEADER).module.header
    cached = MacroCache(env, HEADER, "header")
    for params in [
        _params("Ann <b>", "token-1"),
        _params("Ann <b>", "token-2"),  # same header, another CSRF token
        _params("Ben", "token-3"),
        _params("Ann <b>", "token-4", current="/staff"),
    ]:
        assert cached(params) == macro(params)
    assert len(cached.rendered) == 3  # the token is not part of what is kept
    page = cached(_params("Ann <b>", "token-5"))
    assert 'value="token-5"' in page and str(escape("Ann <b>")) in page


def test_html_of_several_lines_is_rendered_uncached(app):
    env = app.jinja_env
    cached = MacroCache(env, HEADER, "header")
    params = _params("Ann", "t")
    params["account"]["items"][1]["html"] = Markup("<form>\n</form>")
    assert cached(params) == env.get_template(HEADER).module.header(params)
    assert cached.rendered == {}


PAGINATION = "nhsuk/components/pagination/macro.jinja"


def test_the_kept_pagination_prints_what_the_macro_prints(app):
    from app.macro_cache import PaginationCache

    env = app.jinja_env
    macro = env.get_template(PAGINATION).module.pagination
    cached = PaginationCache(env)
    for label, previous, next_ in [
        ("Pages of people", None, ("/staff?after=abc&q=A%20B", "Page 2 of 7")),
        ("Pages of people", None, ("/staff?after=xyz", "Page 2 of more than 200")),
        ("Pages of people", ("/staff?before=a<b>", "Page 1 of 7"), ("/staff?after=c", "Page 3")),
        ("Pages of people", ("/staff?before=d", "Page 6 of 7"), None),
        ("Pages of <vacancies>", None, ("/vacancies?after=e", "Page 2 of 3")),
        ("Pages of people", None, ("/staff?after=f", " Page 2 ")),  # trimmed: not kept
    ]:
        params = {"ariaLabel": label}
        if previous:
            params["previous"] = {"href": previous[0], "labelText": previous[1]}
        if next_:
            params["next"] = {"href": next_[0], "labelText": next_[1]}
        assert cached(label, previous, next_) == macro(params)
    assert len(cached.rendered) == 4  # one per label and set of links, whatever the addresses


def test_a_tag_of_text_parameters_is_rendered_once(app):
    env = app.jinja_env
    macro = env.get_template("nhsuk/components/tag/macro.jinja").module.tag
    cached = MacroCache(env, "nhsuk/components/tag/macro.jinja", "tag")
    for params in [
        {"text": "Due <soon>", "classes": "nhsuk-tag--red"},
        {"text": "Due <soon>", "classes": "nhsuk-tag--red"},
        {"text": "Accepted", "classes": "nhsuk-tag--green"},
        {"text": Markup("<b>Bold</b>"), "classes": "nhsuk-tag--grey"},  # HTML: the generic key
    ]:
        assert cached(params) == macro(params)
    assert len(cached.plain) == 2 and len(cached.rendered) == 1
