"""Lines inside the article's container that are page furniture by what they *say*.

The structure tells most furniture apart (share bars, related boxes: :mod:`~newswatch.extract.
body`), but some sits in plain paragraphs among the story: a call to sign up for a newsletter
or to join the comments, a "this page requires JavaScript" notice, a CMS shortcode that was
never expanded, markup that arrived escaped and shows as text, a "More from ..." heading over
a teaser list. Only short lines are tested (a CTA is a line, not a paragraph), with one
search each, so the cost stays a small fraction of the walk.
"""

from __future__ import annotations

import re

SHORT_LINE = 260  # characters: a call to action is one short line
_CALL_TO_ACTION = re.compile(
    "|".join(
        (
            # newsletters, alerts, apps
            r"\b(?:sign(?:ing)?[\s-]*up|subscribe|register|join)\b[^.!?]{0,60}"
            r"\b(?:newsletters?|e-?mails?|alerts|digest|briefing|updates|inbox)\b",
            r"\bnewsletters?\b[^.!?]{0,40}\b(?:sign[\s-]*up|subscribe|inbox|for free)\b",
            r"\b(?:with|to|for|in)\s+our\s+(?:[\w-]+\s+){0,3}newsletters?\b",
            # republication notes and reading-time labels
            r"\bthis\s+(?:story|article|piece|post|report|interview)\s+(?:was\s+)?"
            r"(?:originally|first)\s+(?:appeared|published|ran)\s+(?:in|on|at)\b",
            r"\bappeared\s+in\s+the\s+[\w\s]{0,40}\bprint\s+edition\b",
            r"^(?:[A-Z]+\s+)?\d+\s+min(?:ute)?s?\s+read$",
            r"\b(?:get|download)\s+(?:the|our)\s+(?:free\s+)?app\b",
            r"\bfollow\s+us\s+on\b",
            # comments and reader mail
            r"\bshare\s+your\s+(?:thoughts|views|opinions?|story|comments?)\b",
            r"\b(?:leave|post|add)\s+a\s+comment\b",
            r"\bjoin\s+the\s+(?:conversation|discussion|debate)\b",
            r"\b(?:view|read|show|hide)\s+(?:all\s+)?(?:\d+\s+)?comments\b",
            r"\bclick\s+(?:here\s+)?to\s+(?:read\s+more|view|hide|comment|subscribe)\b",
            r"\b(?:have|got)\s+a\s+(?:news\s+)?tip\b",
            r"\bsend\s+(?:it|them)?\s*to\s+us\b",
            # script notices
            r"\b(?:requires?|enable|turn\s+on|needs?|activate)\s+javascript\b",
            r"\bjavascript\s+(?:is\s+)?(?:disabled|required|turned\s+off)\b",
            r"\byour\s+browser\s+does\s+not\s+support\b",
            # the same in the other languages we read
            r"inscrivez-vous\s+(?:à|a)\s+(?:notre|la)\s+newsletter|abonnez-vous\s+(?:à|a)",
            r"newsletter\s+abonnieren|jetzt\s+(?:kostenlos\s+)?abonnieren|javascript\s+aktivieren",
            r"suscr[íi]b(?:e|ete|ase)\s+(?:a|al)\s+(?:nuestro|nuestra|la|el)\b",
            r"iscriviti\s+alla\s+newsletter",
            r"подпишитесь\s+на|включите\s+javascript",
            r"bültenimize\s+abone|abone\s+ol(?:un)?\b",
            r"اشترك\s+(?:في|فى)\s+(?:النشرة|نشرتنا)|تابعونا\s+على|شاركنا\s+رأيك",
            r"عضو\s+خبرنامه|ما\s+را\s+دنبال\s+کنید",
        )
    ),
    re.I,
)
# [caption id="..."], [embed]...[/embed], [gallery ids="1,2"], [/vc_column]
_SHORTCODE = re.compile(r"\[/?[a-z][a-z0-9_-]{1,30}(?:\s+[a-z_-]+=[^\]]{0,200})*\s*/?\]")
_TAG_TEXT = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]{0,300})?/?>", re.I)
_TEASER_HEADING = re.compile(
    r"^(?:more\s+(?:from|on|in|about|stories|news|to\s+read|like\s+this)\b|you\s+(?:may|might)"
    r"\s+(?:also\s+)?(?:like|enjoy)|(?:also\s+)?read\s+(?:next|more|also)\b|related\b|"
    r"recommended\b|(?:most\s+)?(?:popular|read|viewed|trending)(?:\s+now|\s+stories)?$|"
    r"trending\b|further\s+reading|what\s+to\s+read\s+next|don'?t\s+miss|latest\s+(?:news|"
    r"stories)|top\s+stories|lire\s+aussi|à\s+lire\s+aussi|sur\s+le\s+même\s+sujet|"
    r"mehr\s+zum\s+thema|das\s+könnte\s+sie\s+auch\s+interessieren|lesen\s+sie\s+auch|"
    r"te\s+puede\s+interesar|más\s+noticias|leer\s+más|leggi\s+anche|читайте\s+также|"
    r"ilginizi\s+çekebilir|اقرأ\s+أيضا|اقرأ\s+أيضاً|مواضيع\s+ذات\s+صلة|أخبار\s+ذات\s+صلة|"
    r"بیشتر\s+بخوانید|مطالب\s+مرتبط)",
    re.I,
)


_LABEL = re.compile(r"^\w+(?:\s+\w+)?\s*:$")
# "Jane Doe is a senior reporter for ...": an author's note at the end of a story
_BIO = re.compile(
    r"^(?:[A-Z][\w.'’-]+\s+){1,3}(?:is|was)\s+(?:a|an|the)\s+(?:[\w,-]+\s+){0,6}?"
    r"(?:reporter|writer|editor|correspondent|journalist|contributor|columnist|author|"
    r"producer|photographer|intern)\b"
)
BIO_LINE = 500


def author_note(text: str) -> bool:
    """An author's note ("Jane Doe is a senior reporter for ..."), read only at the end."""
    return len(text) <= BIO_LINE and _BIO.match(text) is not None


def furniture_line(text: str) -> bool:
    """A short line that is a call to action, a script notice, a raw shortcode or escaped
    markup rather than a sentence of the story."""
    if "<" in text and len(_TAG_TEXT.findall(text)) >= 3:
        return True  # escaped markup shown as text
    if len(text) > SHORT_LINE:
        return False
    if "[" in text and _SHORTCODE.search(text) and len(strip_shortcodes(text).split()) < 3:
        return True  # nothing but shortcodes
    if text.endswith(":") and _LABEL.match(text):
        return True  # a label with nothing after it ("Source:", "Share:")
    return _CALL_TO_ACTION.search(text) is not None


def strip_shortcodes(text: str) -> str:
    """A paragraph with its unexpanded shortcodes cut out (``[caption id=...]`` ...)."""
    return " ".join(_SHORTCODE.sub(" ", text).split()) if "[" in text else text


def teaser_heading(text: str) -> bool:
    """A heading over a list of other stories ("More from ...", "You might also like")."""
    return len(text) <= 60 and _TEASER_HEADING.match(text.strip(" :….-")) is not None
