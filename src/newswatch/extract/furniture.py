"""Lines inside the article's container that are page furniture by what they *say*.

The structure tells most furniture apart (share bars, related boxes: :mod:`~newswatch.extract.
body`), but some sits in plain paragraphs among the story: a call to sign up for a newsletter
or to join the comments, a "this page requires JavaScript" notice, a CMS shortcode that was
never expanded, markup that arrived escaped and shows as text, a "More from ..." heading over
a teaser list. Only short lines are tested (a CTA is a line, not a paragraph), and a pattern
only where its key word occurs, so the cost stays a small fraction of the walk.
"""

from __future__ import annotations

import re
import unicodedata

from newswatch.extract.textstamps import may_be_stamp_line, read_stamp_line

SHORT_LINE = 260  # characters: a call to action is one short line
# (a word the line must hold, the pattern then searched): a substring test is a few tens of
# nanoseconds, one alternation of every pattern was a quarter of a millisecond per line
_CALL_RULES: tuple[tuple[str, str], ...] = (
    # newsletters, alerts, apps
    (
        "sign",
        r"\bsign(?:ing)?[\s-]*up\b[^.!?]{0,60}"
        r"\b(?:newsletters?|e-?mails?|alerts|digest|briefing|updates|inbox)\b",
    ),
    (
        "newsletter",
        r"\b(?:subscribe|register|join)\b[^.!?]{0,60}\bnewsletters?\b"
        r"|\bnewsletters?\b[^.!?]{0,40}\b(?:sign[\s-]*up|subscribe|inbox|for free)\b"
        r"|\b(?:with|to|for|in)\s+our\s+(?:[\w-]+\s+){0,3}newsletters?\b"
        r"|\bthis\s+newsletter\s+may\s+contain\b",
    ),
    # a newsletter box's own lines: its pitch and its confirmation
    ("signing", r"\bthanks?\s+(?:you\s+)?for\s+(?:signing\s+up|subscribing)\b"),
    ("confirmed", r"\bsubscription\s+(?:has\s+been|is)\s+confirmed\b"),
    ("inbox", r"\bkeep\s+an\s+eye\s+on\s+your\s+inbox\b"),
    ("successful", r"^(?:sign[-\s]?up|subscription)\s+(?:was\s+)?(?:successful|complete)\W*$"),
    ("unsubscribe", r"\byou\s+can\s+unsubscribe\b[^.!?]{0,60}\bat\s+any\s+time\b"),
    (
        "your email",
        r"\b(?:pop|enter|put)\s+your\s+e-?mail\s+(?:address\s+)?in(?:to)?\s+the\s+box\b",
    ),
    # the box's own tick line ("Sign me up," she said, is a quote: the mail is named here)
    (
        "sign me up",
        r"\bsign\s+me\s+up\b[^.!?]{0,60}\b(?:e-?mails?|newsletters?|briefing|alerts|updates)\b",
    ),
    ("inbox", r"\bdelivered\s+(?:straight\s+|right\s+)?to\s+your\s+inbox\b"),
    (
        "by ",
        r"^by\s+(?:signing\s+up|subscribing|registering|clicking)\b[^.!?]{0,80}"
        r"\b(?:agree|accept|consent)",
    ),
    (
        "free",
        r"\bget\s+(?:our|the)\s+free\s+(?:[\w-]+\s+){0,2}(?:e-?mails?|newsletters?|"
        r"briefings?)\b",
    ),
    ("reading", r"^(?:like|enjoy(?:ing)?)\s+what\s+you(?:'|’|\s+a)?re\s+reading\W*$"),
    ("delivered", r"\bdelivered\s+(?:through|to)\s+your\s+(?:letterbox|door|doorstep)\b"),
    ("subscribe", r"\bsubscribe\b[^.!?]{0,60}\b(?:e-?mails?|alerts|digest|updates|inbox)\b"),
    ("app", r"\b(?:get|download)\s+(?:the|our)\s+(?:free\s+)?app\b"),
    # the newsroom's channels on messaging apps and its podcast feeds
    (
        "channel",
        r"\b(?:join|follow|subscribe\s+to)\s+(?:us\s+on\s+|our\s+)(?:[\w-]+\s+){0,2}?"
        r"(?:whatsapp|telegram|signal|viber)\s+(?:channel|group|community)\b",
    ),
    (
        "podcast",
        r"^(?=.*\b(?:apple|spotify|google|itunes|wherever)\b).*\b(?:subscribe|listen|follow)\s+"
        r"to\s+(?:our|the)\s+(?:[\w'’-]+\s+){0,3}?podcasts?\b",
    ),
    ("recipe", r"^(?:tried|made)\s+this\s+recipe\?"),
    # affiliate disclosures: the page may be paid for the links it holds (a company quoted
    # on its own commissions says "we earn", not "we may earn ... through links")
    (
        "commission",
        r"^(?=.*\b(?:links?|buy|purchase|shop)\w*\b).*\b(?:we|i)\s+may\s+(?:earn|receive|get)\b"
        r"[^.!?]{0,40}\b(?:commission|compensation)\b|\bmay\s+earn\s+us\s+a\s+commission\b",
    ),
    ("affiliate", r"\b(?:contains?|may\s+contain|includes?)\s+affiliate\s+links\b"),
    (
        "advertisers",
        r"\breferences\s+to\s+products\s+from\s+one\s+or\s+more\s+of\s+our\s+advertisers\b",
    ),
    ("share this story", r"^read\s+or\s+share\s+this\s+story\b"),
    ("videos", r"^watch\s+more\s+of\s+our\s+videos\b"),
    ("android", r"\b(?:kostenlos|free)\s+(?:für|for|on)\s+ios\s+(?:und|and|&)\s+android\b"),
    ("subscription content", r"\bpreview\s+of\s+subscription\s+content\b"),
    ("copyright", r"^images?\s+may\s+be\s+subject\s+to\s+copyright\W*$"),
    # share bars, ad slots, audio players, cookie notices that are only their label
    ("share", r"^share\s+(?:this|the)\s+(?:article|story|post|page)\W*$"),
    ("copy", r"^copy\s+(?:the\s+)?link\W*$"),
    (
        "advertisement",
        r"^(?:story|article)\s+continues\s+(?:below|after)\s+(?:this\s+|the\s+)?"
        r"advertisement\W*$",
    ),
    ("listen", r"^listen\s+to\s+(?:this|the)\s+(?:article|story)\W*$"),
    ("reading time", r"^(?:estimated\s+)?reading\s+time\s*:?\s*\d+\s+min"),
    ("leitura", r"^tempo\s+(?:estimado\s+)?de\s+leitura\s*:?\s*\d+\s*min"),
    ("lectur", r"^(?:temps|tiempo)\s+(?:estimado\s+)?de\s+lectur[ae]\s*:?\s*\d+\s*min"),
    ("lese", r"^lese(?:zeit|dauer)\s*:?\s*(?:ca\.\s*)?\d+\s*min"),
    ("чтения", r"^время\s+чтения\s*:?\s*\d+\s*мин"),
    ("okuma", r"^okuma\s+süresi\s*:?\s*\d+\s*(?:dk|dakika)"),
    ("القراءة", r"^(?:وقت|مدة)\s+القراءة\s*:?\s*\d+"),
    ("مطالعه", r"^زمان\s+(?:تقریبی\s+)?مطالعه\s*:?\s*\d+"),
    # a cookie banner's line speaks of the reader's visit ("We use cookies on every page,
    # the company admitted" is a story's sentence)
    (
        "cookies",
        r"^we\s+use\s+cookies\W*$|^we\s+use\s+cookies\b(?=.*\b(?:you|your|our\s+(?:site|"
        r"website|services?)|experience|consent|accept|privacy|browsing|personali[sz]e|"
        r"analytics|advertising)\b)",
    ),
    # a pitch asks the reader ("Support local journalism. Subscribe today"); "The grant will
    # support local journalism in three counties" reports
    (
        "journalism",
        r"(?:^|[.!?]\s+)(?:please\s+|help\s+)?support\s+"
        r"(?:local|independent|our|quality)\s+journalism\b"
        r"|^(?=.*\b(?:subscrib\w*|donat\w*|membership|you|your)\b)"
        r".*\bsupport\s+(?:local|independent|our|quality)\s+journalism\b",
    ),
    # a donation pitch names the newsroom it funds ("Any donations will go to the family" is
    # a story's)
    (
        "readers like you",
        r"\b(?:made\s+possible|funded|supported)\s+by\s+readers\s+like\s+you\b",
    ),
    (
        "donat",
        r"^(?=.*\b(?:our|us|we)\s+(?:journalism|reporting|newsroom|work|mission)\b|.*\breaders"
        r"\s+like\s+you\b).*\b(?:donate|donating|donation|donations)\b",
    ),
    ("follow", r"\bfollow\s+(?:us|me)\s+on\b"),
    ("guenos", r"\bs[ií]guenos\s+en\b"),
    ("like us", r"^please\s+follow\s+(?:and|&)\s+like\s+us\b"),
    ("suivez-nous", r"\bsuivez-nous\s+sur\b"),
    ("folgen sie uns", r"\bfolgen\s+sie\s+uns\s+(?:auf|bei)\b"),
    ("coverage", r"^follow\s+(?:[\w'’]+\s+){1,2}(?:full\s+)?coverage\s+of\b"),
    ("subscriber", r"^not\s+(?:yet\s+)?a\s+subscriber\b"),
    (
        "sign",
        r"\bsign(?:ing)?[\s-]*up\s+for\s+(?:my|our)\s+free\b"
        r"|\bsign(?:ing)?[\s-]*up\b[^.!?]{0,60}\be-?(?:course|book)\b",
    ),
    # republication notes and reading-time labels
    (
        "originally",
        r"\bthis\s+(?:story|article|piece|post|report|interview)\s+(?:was\s+)?"
        r"originally\s+(?:appeared|published|ran)\s+(?:in|on|at)\b",
    ),
    ("print", r"\bappeared\s+in\s+the\s+[\w\s]{0,40}\bprint\s+edition\b"),
    ("read", r"^(?:[a-z]+\s+)?\d+\s+min(?:ute)?s?\s+read$"),
    # comments and reader mail
    ("share", r"\bshare\s+your\s+(?:thoughts|views|opinions?|story|comments?)\b"),
    (
        "comment",
        r"\b(?:leave|post|add)\s+a\s+comment\b"
        r"|\b(?:view|read|show|hide)\s+(?:all\s+)?(?:\d+\s+)?comments\b"
        r"|^(?:\d+\s+)?comments?(?:\s*\([\d+]+\))?$"
        r"|^be\s+the\s+first\s+to\s+comment\W*$",
    ),
    ("think", r"\btell\s+us\s+what\s+you\s+think\b"),
    # comment policies: what the moderators will approve or remove (a sentence of the
    # story saying comments "were removed" is no policy)
    (
        "comment",
        r"\bcomments?\b[^.!?]{0,120}\b(?:will|may|can|must)\s+(?:not\s+)?be\s+"
        r"(?:moderated|approved|published|removed|deleted)\b|\bcomments\s+are\s+moderated\b"
        r"|\bmoderating\s+(?:all\s+)?(?:the\s+)?comments\b",
    ),
    (
        "coment",
        r"\bcoment[áa]rios?\b[^.!?]{0,120}\b(?:serão|serán)\s+(?:moderad|aprovad|aprobad)",
    ),
    (
        "kommentar",
        r"\bkommentare?\b[^.!?]{0,120}\b(?:entfernen|löschen)\s+(?:kann|können|wird)",
    ),
    ("join", r"\bjoin\s+the\s+(?:conversation|discussion|debate)\b"),
    # membership pitches, radio and podcast plugs, video labels
    (
        "if you",
        r"\bif\s+you\s+(?:enjoyed|liked|value|appreciate)\s+this\s+"
        r"(?:article|story|piece|post|journalism|reporting)\b",
    ),
    (
        "listen",
        r"\blisten\s+back\s+here\b|\blisten\s+(?:to\s+(?:\S+\s+){1,4})?live\s+(?:at|on)\b"
        r"|^listen\s+to\s+(?:the|this)\s+(?:podcast|episode|interview)\W*$",
    ),
    ("available on", r"^(?:also\s+)?available\s+on\s+(?:apple|spotify|google|itunes)\b"),
    ("watch", r"^watch\s+the\s+(?:full\s+)?(?:video|interview|episode)\b[^.!?]{0,80}:$"),
    (
        "click",
        r"\bclick\s+(?:here\s+)?(?:to|for)\s+(?:read\s+more|more\s+info(?:rmation)?|view|hide"
        r"|comment|subscribe)\b",
    ),
    ("tip", r"\b(?:have|got)\s+a\s+(?:news\s+)?tip\b"),
    (
        "story?",
        r"^(?:have\s+you\s+)?(?:got|have)\s+a\s+story\?\s*(?:e-?mail|contact|call|send|get)\b",
    ),
    ("to us", r"\bsend\s+(?:it|them)?\s*to\s+us\b"),
    ("reached", r"\bcan\s+be\s+(?:reached|contacted)\s+(?:at|by|on|via)\b"),
    ("email", r"\be-?mail\s*:\s*\S+@\S+"),
    # script notices
    (
        "javascript",
        r"\b(?:requires?|enable|turn\s+on|needs?|activate)\s+javascript\b"
        r"|\bjavascript\s+(?:is\s+)?(?:disabled|required|turned\s+off)\b"
        r"|javascript\s+aktivieren|включите\s+javascript",
    ),
    ("browser", r"\byour\s+browser\s+does\s+not\s+support\b"),
    # the same in the other languages we read
    ("inscrivez", r"inscrivez-vous\s+(?:à|a)\s+(?:notre|la)\s+newsletter"),
    (
        "abonn",
        r"abonnez-vous\s+(?:à|a)|newsletter\s+abonnieren|jetzt\s+(?:kostenlos\s+)?abonnieren",
    ),
    ("suscr", r"suscr[íi]b(?:e|ete|ase)\s+(?:a|al)\s+(?:nuestro|nuestra|la|el)\b"),
    ("iscriviti", r"iscriviti\s+alla\s+newsletter"),
    ("abonnier", r"\babonnier(?:en|e)\s+(?:sie\s+)?(?:unseren|meinen|den)\s+newsletter\b"),
    ("melde", r"\bmelde\s+dich\b[^.!?]{0,40}\bnewsletter\b"),
    ("melden sie sich", r"\bmelden\s+sie\s+sich\b[^.!?]{0,40}\bnewsletter\b"),
    ("подпишитесь", r"подпишитесь\s+на"),
    ("abone", r"bültenimize\s+abone|abone\s+ol(?:un)?\b"),
    ("اشترك", r"اشترك\s+(?:في|فى)\s+(?:النشرة|نشرتنا)"),
    ("تابعونا", r"تابعونا\s+على"),
    ("شاركنا", r"شاركنا\s+رأيك"),
    ("خبرنامه", r"عضو\s+خبرنامه"),
    ("دنبال", r"ما\s+را\s+دنبال\s+کنید"),
)


def _by_word(rules: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One pattern per key word (the alternation of its rules, found when any one is), in
    the order of first use: a word is tested once, not once for each of its rules."""
    grouped: dict[str, list[str]] = {}
    for word, pattern in rules:
        grouped.setdefault(word, []).append(pattern)
    return tuple(
        (word, re.compile("|".join(f"(?:{p})" for p in patterns)))
        for word, patterns in grouped.items()
    )


_CALLS_TO_ACTION = _by_word(_CALL_RULES)
_ASCII_CALLS = _by_word(tuple(rule for rule in _CALL_RULES if rule[0].isascii()))
# [caption id="..."], [embed]...[/embed], [gallery ids="1,2"], [/vc_column]
# a bare "[word]" is a shortcode only when its closing "[/word]" is there too: alone it is an
# editor's insertion in a quote ("we were in [training] camp", "missing [them]")
_SHORTCODE = re.compile(
    r"\[[a-z][a-z0-9_-]{1,30}(?:\s+[a-z_-]+=[^\]]{0,200})+\s*/?\]"  # with attributes
    r"|\[/[a-z][a-z0-9_-]{1,30}\]"  # a closing one
    r"|\[[a-z][a-z0-9]*[_-][a-z0-9_-]*\s*/?\]"  # a theme's own: [vc_row], [et_pb_text]
    r"|\[[a-z][a-z0-9]{1,30}\s*/\]"  # self-closing: [divider/]
)
_BARE_CODE = re.compile(r"\[([a-z][a-z0-9]{1,30})\]")
_TAG_TEXT = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]{0,300})?/?>", re.I)
_TEASER_HEADING = re.compile(
    r"^(?:more\s+(?:from|on|in|about|stories|news|to\s+read|like\s+this)\b|"
    r"more\s+(?:[\w'’-]+\s+){1,3}(?:stories|news|articles|reads)$|you\s+(?:may|might)"
    r"\s+(?:also\s+)?(?:like|enjoy)|(?:also\s+)?read\s+(?:next|more|also)\b|related\b|"
    r"recommended\b|(?:most\s+)?(?:popular|read|viewed|trending)(?:\s+now|\s+stories)?$|"
    r"trending\b|most\s+(?:read|popular|viewed|shared)\s+(?:in|on|from)\b|keep\s+reading$|"
    r"further\s+reading|(?:next|previous|prev)\s+(?:\w+\s+){0,2}?(?:article|story|post|"
    r"news|read)\b|what\s+to\s+read\s+next|don'?t\s+miss|latest\s+(?:news|"
    r"stories)|top\s+stories|lire\s+aussi|à\s+lire\s+aussi|sur\s+le\s+même\s+sujet|"
    r"mehr\s+zum\s+thema|das\s+könnte\s+sie\s+auch\s+interessieren|lesen\s+sie\s+auch|"
    r"te\s+puede\s+interesar|más\s+noticias|leer\s+más|leggi\s+anche|читайте\s+также|"
    r"ilginizi\s+çekebilir|اقرأ\s+أيضا|اقرأ\s+أيضاً|مواضيع\s+ذات\s+صلة|أخبار\s+ذات\s+صلة|"
    r"بیشتر\s+بخوانید|مطالب\s+مرتبط)",
    re.I,
)


_LABEL = re.compile(r"^\w+(?:\s+\w+)?\s*:$")
# "Jane Doe is a senior reporter for ...", "Jane is a Senior Editor at Example overseeing
# ...": an author's note at the end of a story (the role in any case)
# "— Jane Doe is the Example's education correspondent", "Jane Doe covers city hall for
# ...", "Jane Doe has written about schools since 2015": the same note by the beat it names
_BIO = re.compile(
    r"^(?:[—–-]\s*)?(?!(?:The|This|That|It|A|An|Our|Their|Its)\s)(?:[A-Z][\w.'’-]+\s+){1,3}"
    r"(?:(?:is|was)\s+(?:a|an|the)\s+"
    r"(?:[\w,'’-]+\s+){0,6}?(?i:reporter|writer|editor|correspondent|journalist|contributor|"
    r"columnist|author|producer|photographer|intern)\b"
    r"|(?:covers|has\s+covered|writes\s+(?:about|on|for)|has\s+written\s+(?:about|on|for)"
    r"|reports\s+on|has\s+reported\s+on)\s)"
)
BIO_LINE = 500


# "The Associated Press contributed to this report.", "Jane Roe contributed reporting from
# Hong Kong.": the credit line under a story, one sentence
_CONTRIBUTORS = re.compile(
    r"^[\W_]*(?:[\w.'’,&-]+\s+){1,12}?contributed\s+(?:additional\s+)?(?:reporting|research|"
    r"to\s+this\s+(?:report|story|article))\b[^.!?]{0,80}[.!]?$",
    re.I,
)
# "Are you looking forward to watching the new series?": the question a story ends on for
# its comments, one line of its own
_READER_QUESTION = re.compile(
    r"^(?:are|will|would|do|did|have|were)\s+you\s+(?:\w+\s+){0,3}?(?:looking\s+forward|"
    r"excited|planning|going\s+to\s+(?:watch|see|buy|try)|watching|tuning\s+in)\b[^.!?]{0,120}\?$",
    re.I,
)
CREDIT_NOTE = 200


def closing_note(text: str) -> bool:
    """A contributors' credit or a question put to the readers, read only at the end."""
    if len(text) > CREDIT_NOTE:
        return False
    if "contributed" in text:
        return _CONTRIBUTORS.match(text) is not None
    return text.endswith("?") and _READER_QUESTION.match(text) is not None


def author_note(text: str) -> bool:
    """An author's note ("Jane Doe is a senior reporter for ..."), read only at the end."""
    return len(text) <= BIO_LINE and _BIO.match(text) is not None


_NOTICE_LINE = 600
_RIGHTS = re.compile(r"\ball\s+rights\s+reserved\b")
# "This material may not be published, broadcast, rewritten or redistributed": a wire
# service's rights notice under its story
_WIRE_RIGHTS = re.compile(
    r"\bmay\s+not\s+be\s+(?:re)?(?:published|produced|printed|distributed|copied),?\s+"
    r"(?:[\w-]+,?\s+){0,3}?(?:broadcast|rewritten|redistributed)\b"
)
_PITCH = re.compile(
    r"^if\s+you\s+(?:enjoyed|liked|value|appreciate)\s+this\s+(?:article|story|piece|post|"
    r"journalism|reporting)\b[^.!?]{0,80}\b(?:join|subscribe|support|become\s+a|donate|member)"
)
_DISCLAIMER = re.compile(
    r"\bis\s+(?:provided\s+)?for\s+(?:general\s+)?informational\s+purposes\s+only\b"
)
BYLINE_LINE = 100
_BYLINE = re.compile(
    r"^(?:(?:written|words|story|text)\s+by|by|par|von|por|di|door|от|автор|yazan|بقلم|كتب"
    r"|به\s+قلم|نویسنده)[:\s]\s*\S"
    r"|^(?:tags?|topics?|filed\s+under|categories|themen|mots-clés|etiquetas|теги|etiketler"
    r"|الكلمات\s+المفتاحية|برچسب‌?ها)\s*:"
)
_BYLINE_LETTERS = 24  # a name or two beside the date ("Jane Doe - January 24, 2020")


def byline_line(text: str) -> bool:
    """A byline, a tag list or a date line with a name ("Jane Doe - January 24, 2020") in
    the body: the story's furniture. Lines with a stamp keyword ("Updated 18:17") are kept,
    they are the in-text stamps readers see."""
    if len(text) > BYLINE_LINE or text.endswith((".", "!", "?", "…", '"', "”")):
        return False
    if text.startswith(("—", "–", "-")) or "(@" in text:
        return False  # the signature of an embedded post ("— Jane (@jane) May 2, 2024")
    lowered = text.lower()
    if _BYLINE.match(lowered) and len(text.split()) <= 8:
        return True
    if not any(map(str.isdigit, text)):  # map: a C loop, no generator frames
        return False
    if may_be_stamp_line(text, relative=False):
        return False  # "Published 20 July, updated 21 July": read as stamps, kept
    read = read_stamp_line(text, default_kind="published", max_other_letters=_BYLINE_LETTERS)
    return read is not None and read[0].at is not None


# the page's controls and slot labels printed as a paragraph of their own: the whole line is
# the label ("Advertisement", "Story continues below", "Loading...", "Back to top"); a set
# lookup, as every short kept line is tested
_UI_LABELS = frozenset(
    {"advertisement", "advertisement - scroll to continue", "ad", "ads", "sponsored", "skip ad"}
    | {
        f"{what} continues {where}"
        for what in ("story", "article", "content", "text")
        for where in (
            "below",
            "below advertisement",
            "below this advertisement",
            "after advertisement",
            "after this advertisement",
            "after this ad",
        )
    }
    | {"continue reading", "continue reading below", "continue reading the main story"}
    | {"scroll to continue", "scroll down to continue", "scroll to continue with content"}
    | {"scroll to continue reading", "click to enlarge", "click to expand", "enlarge this image"}
    | {"toggle caption", "hide caption", "show caption", "loading", "share", "share this"}
    | {"tweet", "email", "e-mail", "print", "save", "follow", "link copied", "gift this article"}
    | {"back to top", "top of page", "show more", "load more", "sign up", "log in", "sign in"}
    | {"subscribe", "subscribe now", "already a subscriber? sign in", "report an error"}
    | {"watch now", "table of contents", "in this article", "on this page", "jump to section"}
    | {"inhaltsverzeichnis", "sommaire", "tabla de contenidos", "índice de contenidos"}
    # an embedded post's placeholder, as the page prints it before its script runs
    | {"view this post on instagram", "sieh dir diesen beitrag auf instagram an"}
    | {"ver esta publicación en instagram", "voir cette publication sur instagram"}
    | {"visualizza questo post su instagram"}
)
UI_LABEL = 50


def furniture_line(text: str) -> bool:
    """A short line that is a call to action, a script notice, a raw shortcode or escaped
    markup rather than a sentence of the story."""
    if "<" in text and len(_TAG_TEXT.findall(text)) >= 3:
        return True  # escaped markup shown as text
    if len(text) <= _NOTICE_LINE and "reserved" in text and _RIGHTS.search(text.lower()):
        return True  # a copyright notice
    if len(text) <= _NOTICE_LINE and "may not be" in text and _WIRE_RIGHTS.search(text.lower()):
        return True  # a wire service's rights notice
    if len(text) <= _NOTICE_LINE:
        lowered = text.lower()
        if "if you" in lowered and _PITCH.search(lowered):
            return True  # a membership pitch, however long it goes on
        if "purposes only" in lowered and _DISCLAIMER.search(lowered):
            return True  # a column's standing disclaimer
    if len(text) > SHORT_LINE:
        return False
    if "[" in text and _SHORTCODE.search(text) and len(strip_shortcodes(text).split()) < 3:
        return True  # nothing but shortcodes
    if text.endswith(":") and _LABEL.match(text):
        return True  # a label with nothing after it ("Source:", "Share:")
    if (
        not text[0].isalnum()
        and unicodedata.category(text[0]) == "So"
        and "check out" in text.lower()
    ):
        return True  # an emoji-led promotion ("🎁 ... Check out our gift guides")
    lowered = text.lower()
    if len(text) <= UI_LABEL and " ".join(lowered.strip(" .…!:|-–—•·").split()) in _UI_LABELS:
        return True  # a control's or an ad slot's label
    # a plain loop: this runs on every short kept line, a generator's frames cost a third
    for word, pattern in _ASCII_CALLS if lowered.isascii() else _CALLS_TO_ACTION:
        if word in lowered and pattern.search(lowered) is not None:
            return True
    return False


def strip_shortcodes(text: str) -> str:
    """A paragraph with its unexpanded shortcodes cut out (``[caption id=...]`` ...)."""
    if "[" not in text:
        return text
    stripped = _SHORTCODE.sub(" ", text)
    if "[/" in text:  # "[embed]...[/embed]": the bare opening of a pair goes too
        stripped = _BARE_CODE.sub(
            lambda found: " " if f"[/{found[1]}]" in text else found[0], stripped
        )
    return " ".join(stripped.split())


def teaser_heading(text: str) -> bool:
    """A heading over a list of other stories ("More from ...", "You might also like")."""
    return len(text) <= 60 and _TEASER_HEADING.match(text.strip(" :….-")) is not None


# the heading over the readers' comments: "4 thoughts on “Headline”", "12 Responses",
# "Leave a Reply", "Kommentare (3)"; the count may be spelt out
_COMMENTS_HEADING = re.compile(
    r"^(?:\d+|no|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:comments?|responses?"
    r"|replies|thoughts?|reactions?)(?:\s+(?:on|to)\s+.+)?$"
    r"|^(?:reader\s+)?comments(?:\s*\(\d+\))?$|^comment\s*\(\d+\)$"
    r"|^(?:leave|post|add|write)\s+a\s+(?:reply|comment|response)$"
    r"|^join\s+the\s+(?:conversation|discussion)$"
    r"|^(?:\d+\s+)?(?:kommentare|commentaires|comentarios|coment[áa]rios|commenti"
    r"|комментарии|yorumlar|التعليقات|نظرات)(?:\s*\(\d+\))?$"
    r"|^(?:schreibe\s+einen\s+kommentar|laisser\s+un\s+commentaire|deja\s+un\s+comentario"
    r"|deixe\s+um\s+coment[áa]rio|lascia\s+un\s+commento)$",
    re.I,
)
COMMENTS_HEADING = 200  # "4 thoughts on" carries the story's headline in quotes


def comments_heading(text: str) -> bool:
    """The heading over the readers' comments ("4 thoughts on “...”", "Leave a Reply"): the
    box it opens is the comment section, whatever its wrapper is named."""
    if len(text) > COMMENTS_HEADING:
        return False
    return _COMMENTS_HEADING.match(text.strip(" :….-")) is not None


# "Ticker Security Last Change Change %", "Symbol Name Price Chg": the header row of a
# market-quote box the page puts in the story (the share price of a company it names)
_QUOTE_HEADER = re.compile(
    r"^(?:ticker|symbol)\b(?:\s+[\w%]+){0,3}?\s+(?:last|price)\b(?:\s+[\w%]+){0,3}?\s+"
    r"(?:change|chg)\b",
    re.I,
)


def quote_header(text: str) -> bool:
    """The header row of a market-quote box (ticker, last price, change)."""
    return len(text) <= 120 and _QUOTE_HEADER.match(text) is not None


_SUMMARY_LABEL = re.compile(r"^(?:the\s+)?key\s+(?:points|takeaways)$", re.I)


def summary_label(text: str) -> bool:
    """The label over a story's own summary list ("Key Points", "Key takeaways"): the list is
    the story's, its label is not."""
    return len(text) <= 30 and _SUMMARY_LABEL.match(text.strip(" :…-")) is not None


_VERDICT = re.compile(
    r"^(?:pros|cons|pros\s+(?:and|&)\s+cons|the\s+good|the\s+bad|what\s+we\s+(?:liked?|"
    r"didn'?t\s+like|don'?t\s+like|love|hate)"
    # a review's fact box: price, maker, release date, the machine it was tested on
    r"|need\s+to\s+know|fact\s*box|fast\s+facts|quick\s+facts|key\s+specs|tech\s+specs)$",
    re.I,
)


def verdict_label(text: str) -> bool:
    """The label of a review's verdict box ("Pros", "Cons") or fact box ("Need to know"): a
    summary card beside the story, its list repeats what the review says or lists specs."""
    return len(text) <= 30 and _VERDICT.match(text.strip(" :…-").replace("’", "'")) is not None


# a photo's caption or credit: "... (Image: AGENCY)", "Jane Roe | Example Images"
_CREDIT_TAIL = re.compile(
    r"\((?:images?|photos?|pictures?|pic|credits?|source|foto|bild)(?:\s+credits?)?\s*:"
    r"\s*[^()]{1,80}\)$",
    re.I,
)
_AGENCY_CREDIT = re.compile(r"\|\s*[^|]{0,60}\bimages$", re.I)
# "... on the stage. Photo: Jane Roe", "A bowl of soup Credit: Jane Roe": a label and a name
# at the end of a line that first says what the picture shows
_CREDIT_WORDS = frozenset(
    {"photo", "photos", "photograph", "photographs", "image", "images", "picture", "pictures"}
    | {"credit", "credits", "foto"}
)
_CREDIT_NAME = re.compile(r"[A-Z][^.:!?]{0,60}")
# "... of Titan. (NASA/JPL-Caltech/ASU)": the agencies of a picture, no label needed
_AGENCIES = re.compile(r"[.!?]\s*\([A-Z][\w.&'’ -]{0,30}(?:/[\w.&'’ -]{1,30})+\)$")
_AGENCIES_ALONE = re.compile(r"^\([A-Z][\w.&'’ -]{0,30}(?:/[\w.&'’ -]{1,30})+\)$")
# "Photo by Jane Roe on Example", "Image courtesy of the council"
_CREDIT_LINE = re.compile(
    r"^(?:(?:Featured|Top|Header|Lead|Cover)\s+(?:photo|image)|Photo(?:graph)?|Image)\s+"
    r"(?:by|courtesy\s+of)\s+[^.!?]{1,60}\.?$"
)
# "Photo: Jane Roe/Example", "Image credit: Example Images", "Crédit photo : Jane Roe": a
# credit on a line of its own, the label and a name (no sentence after it)
_CREDIT_ALONE = re.compile(
    r"^(?:(?:photo(?:graph)?s?|images?|pictures?|fotos?|bild(?:er)?)(?:\s+credits?)?"
    r"|credits?(?:\s+(?:photo|image|foto))?|crédits?\s+photos?)\s*:\s*[^.!?:]{2,80}\.?$",
    re.I,
)
_CREDIT_STARTS = ("photo", "image", "picture", "foto", "bild", "credit", "crédit")
# "... in New York.Reuters", "... isn't easy.Jane Roe/Getty": a credit glued to the caption
_GLUED_NAME = re.compile(r"[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){0,2}(?:/[A-Z][\w'’ -]{0,30})?")


def _credit_label(text: str) -> bool:
    """ "... on the stage. Photo: Jane Roe", "A bowl of soup Credit: Jane Roe": a label and a
    name at the end of a line that first says what the picture shows (four words or more)."""
    colon = text.rfind(":")
    if colon < len(text) - 70 or colon < 0:
        return False
    words = text[:colon].split()
    if len(words) < 5 or words[-1].lower() not in _CREDIT_WORDS:
        return False
    if words[-1].lower().startswith("credit") and words[-2].lower() in _CREDIT_WORDS:
        words.pop()  # "Photo credit:"
    return len(words) >= 5 and _CREDIT_NAME.fullmatch(text[colon + 1 :].strip()) is not None


def _glued_credit(text: str) -> bool:
    """A credit glued onto the caption's last sentence: "... in New York.Reuters"."""
    tail = text[-60:]
    mark = max(tail.rfind("."), tail.rfind("!"), tail.rfind("?"))
    return (
        0 < mark < len(tail) - 2
        and (tail[mark - 1].islower() or tail[mark - 1].isdigit())
        and _GLUED_NAME.fullmatch(tail, mark + 1) is not None
    )


CAPTION_LINE = 300
# "Jane Q. Roe / The Daily Example Junior stands in for her ...": a photo's credit (a name, a
# slash, an outlet) opening its caption, as a gallery under the story prints them
_LEADING_CREDIT = re.compile(
    r"[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){1,3}\s+/\s+(?:The\s+)?[A-Z][\w&.'’-]*"
    r"(?:\s+[A-Z][\w&.'’-]*){0,4}\s+[A-Z][^/]*?(?:\s+\S+){5}"
)
LEADING_CREDIT_CAPTION = 800
# "... should look much more dramatic. (Jane Q. Roe / The Daily Example)": a photographer's
# name, a spaced slash and the outlet closing a caption of several sentences (a paragraph of
# the story cites a source, not a person and an outlet, in brackets at its end)
_TRAILING_CREDIT = re.compile(
    r"[.!?”\"]\s*\([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){1,3}\s+/\s+[A-Z][\w.&'’ -]{1,40}\)$"
)


def caption_line(text: str) -> bool:
    """A media caption or credit line (its credit says so) left in the story's flow."""
    if len(text) > CAPTION_LINE:
        if len(text) > LEADING_CREDIT_CAPTION:
            return False
        if text.endswith(")") and " / " in text[-90:]:
            return _TRAILING_CREDIT.search(text[-100:]) is not None
        return (
            " / " in text[:80]
            and text.endswith((".", "!", "?", '"', "”"))
            and _LEADING_CREDIT.match(text) is not None
        )
    if text.endswith(")"):
        tail = text[-100:]
        return (
            _CREDIT_TAIL.search(tail) is not None
            or _AGENCIES.search(tail) is not None
            or _AGENCIES_ALONE.match(text) is not None
        )
    if (
        text.startswith(("Photo", "Image", "Featured", "Top", "Header", "Lead", "Cover"))
        and _CREDIT_LINE.match(text) is not None
    ):
        return True
    if (
        len(text) <= 100
        and text[:7].lower().startswith(_CREDIT_STARTS)
        and _CREDIT_ALONE.match(text) is not None
    ):
        return True
    if (
        " / " in text[:80]
        and text.endswith((".", "!", "?", '"', "”"))
        and _LEADING_CREDIT.match(text) is not None
    ):
        return True
    if "|" in text and _AGENCY_CREDIT.search(text) is not None:
        return True
    if not text or not text[-1].isalnum():
        return False  # a caption's credit ends with its name, a sentence with its mark
    return _credit_label(text) or _glued_credit(text)


_SLIDE = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})(?=[^\d\s/])")
SLIDE_LINE = 150


def slide_counter(text: str) -> bool:
    """A gallery's slide heading ("02/7Title"): a counter glued to a caption."""
    if len(text) > SLIDE_LINE or not text[:1].isdigit():
        return False
    found = _SLIDE.match(text)
    return found is not None and 0 < int(found[1]) <= int(found[2])


# where the boilerplate after a press release begins: "About <organisation>", the source
# and citation notes, media contacts, safe-harbour statements
_TAIL_OPENER = re.compile(
    r"^(?:about\s+(?:us|the\s+(?:company|authors?|organi[sz]ation|institute|foundation))\W*$"
    r"|(?:story\s+)?source\s*:"
    r"|materials?\s+(?:were\s+)?provided\s+by\b"
    r"|cite\s+this\s+(?:page|article|story)\W*$"
    r"|(?:media|press)\s+(?:contacts?|enquiries|inquiries)\b"
    r"|for\s+more\s+information,?\s+(?:please\s+)?(?:visit|contact)\b"
    r"|forward[-\s]looking\s+statements?\b)",
    re.I,
)
# "About Norland", "About Norland Systems Inc." (a proper name: capitals, as written)
_ABOUT_NAME = re.compile(r"^About\s+[A-Z0-9][\w&.'’-]*(?:\s+[A-Z0-9&][\w&.'’-]*){0,5}\s*:?$")
# "Norland is a global provider of ...", "Norland is headquartered in ..."
_ORG_SENTENCE = re.compile(
    r"^(?:[A-Z][\w&.'’()-]*\s+){1,6}(?:is|are)\s+(?:(?:a|an|the|one\s+of\s+the)\s+"
    r"(?:[\w,&-]+\s+){0,7}?(?:company|companies|provider|firm|organi[sz]ation|leader|"
    r"manufacturer|developer|supplier|group|institution|agency|network|publisher|maker|"
    r"operator|platform|non-?profit|charity|foundation|university|institute)\b"
    r"|headquartered\s+in\b)"
)
TAIL_LINE = 700


def tail_opener(text: str) -> bool:
    """The first line of the boilerplate that follows a press release."""
    return len(text) <= TAIL_LINE and (
        _TAIL_OPENER.match(text) is not None
        or (len(text) <= 60 and _ABOUT_NAME.match(text) is not None)
    )


def organisation_note(text: str) -> bool:
    """A sentence about the publishing organisation ("Norland is a global provider of ..."),
    read only at the end of the story."""
    return len(text) <= TAIL_LINE and _ORG_SENTENCE.match(text) is not None


# "Jane Roe et al. 2023. The title of the paper. Journal 12 (3): 45; doi: 10.1000/xyz"
_REFERENCE = re.compile(r"\bet\s+al\.?,?\s*\(?(?:19|20)\d\d\)?[.,]|\bdoi\s*:?\s*10\.\d{4,}/")


def reference_note(text: str) -> bool:
    """A citation of the paper a science story reports on, read only at the end."""
    return (
        len(text) <= TAIL_LINE
        and ("et al" in text or "doi" in text.lower())
        and (_REFERENCE.search(text) is not None)
    )
