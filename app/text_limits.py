"""One maximum length per kind of text a person types, so every form, the character counts on
the page and the services agree (pure: no Flask).

The kinds follow what people write: a reference copied from NHS Jobs or ESR, a short line (a
name, a title, a note), and a paragraph explaining something to someone else (a reason, an
exception, a justification, a session summary). A paragraph's limit is the one the panel
exception already had, about 650 words: enough to be specific, short enough to be read.
"""

REFERENCE = 50  # vacancy, batch and applicant references
STAFF_NUMBER = 30  # the ESR number, as the staff table holds it
EMAIL = 254  # the longest address RFC 5321 allows
SHORT_TEXT = 200  # one line: a name, a job title, a note, who a justification was referred to
LONG_TEXT = 4000  # a paragraph: reasons, exceptions, feedback, agreements, summaries, goals


def too_long_message(label: str, limit: int) -> str:
    """The NHS.UK character count's wording for text over its limit."""
    return f"{label} must be {limit:,} characters or fewer"
