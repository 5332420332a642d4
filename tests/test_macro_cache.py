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
