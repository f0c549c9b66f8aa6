"""Corrections and editor's notes: which paragraph of a version is one (pure).

A newsroom that fixes a story says so in a note at the top or the bottom of the text:
"Correction: …", "Editor's note: …", "This article was amended on 4 May 2024 …", "An
earlier version of this article …", "Mise à jour : …", "Anm. d. Red.: …", "Nota del
editor: …", "Примечание редакции: …", "ملاحظة المحرر: …". A version that adds such a note
(or changes one) is a change of kind ``correction`` carrying the note's text, never a silent
edit. Only the first and last :data:`EDGE` paragraphs are read: a note sits at an edge, and
a quote mentioning "a correction" inside the story is not one.

Two forms are recognised, in every language we read stamps in (en, fr, de, es, it, pt, ru,
tr, ar): a *label* the paragraph opens with, followed by a separator (``:``, ``-``, ``—``,
``)`` or a date), and a *sentence* that says the article was changed ("This story has been
updated…", "Cet article a été modifié…"), which needs no separator.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from newswatch.normalize import comparable

#: paragraphs read at each end of the body
EDGE = 3
#: a note longer than this is prose that happens to start like one
MAX_NOTE = 1200
#: characters of a paragraph its note patterns read (each is anchored at its start)
HEAD = 600

_LABELS = [
    # English
    r"corrections?",
    r"clarifications?",
    r"editor'?s'?\s+note",
    r"editors'?\s+note",
    r"note\s+from\s+the\s+editors?",
    r"note\s+to\s+readers",
    r"erratum",
    # French
    r"rectificatifs?",
    r"note\s+de\s+la\s+redaction",
    r"n\.?\s?d\.?\s?l\.?\s?r\.?",
    r"precision",
    # German
    r"korrektur",
    r"berichtigung",
    r"anm\.?\s*d\.?\s*red\.?",
    r"anmerkung\s+der\s+redaktion",
    r"hinweis\s+der\s+redaktion",
    r"in\s+eigener\s+sache",
    # Spanish
    r"nota\s+del\s+(?:editor|redactor)",
    r"nota\s+de\s+(?:la\s+)?redaccion",
    r"fe\s+de\s+erratas",
    r"correccion",
    r"aclaracion",
    # Italian
    r"nota\s+della\s+redazione",
    r"correzione",
    r"rettifica",
    # Portuguese
    r"nota\s+do\s+editor",
    r"nota\s+da\s+reda[cç]ao",
    r"corre[cç]ao",
    r"errata",
    # Russian
    r"примечание\s+редакции",
    r"от\s+редакции",
    r"поправка",
    r"исправлено",
    r"уточнение",
    # Turkish
    r"duzeltme",
    r"editor(?:un)?\s+notu",
    # Arabic
    r"ملاحظة\s+(?:ال)?(?:محرر|تحرير)",
    r"ملاحظة\s+من\s+(?:ال)?محرر",
    r"تنويه",
    r"تصحيح",
    r"تصويب",
    r"استدراك",
]

_SENTENCES = [
    # English
    r"(?:this|the)\s+(?:article|story|piece|report|post)\s+(?:was|has\s+been|had\s+been)\s+"
    r"(?:amended|corrected|updated|changed|edited|revised)",
    r"(?:an|a)\s+(?:earlier|previous|prior)\s+version\s+of\s+(?:this|the)\s+"
    r"(?:article|story|piece|report|post)",
    r"we\s+have\s+(?:corrected|amended|updated)\s+(?:this|the)\s+(?:article|story)",
    # French
    r"(?:cet|l')\s*article\s+a\s+ete\s+(?:modifie|corrige|mis\s+a\s+jour|actualise)",
    r"une\s+(?:precedente|premiere|ancienne)\s+version\s+de\s+cet\s+article",
    # German
    r"(?:dieser|der)\s+(?:artikel|beitrag|text)\s+(?:wurde|ist)\s+(?:[^!?]{0,60}?\s)?"
    r"(?:aktualisiert|korrigiert|geandert|erganzt|berichtigt)",
    r"in\s+einer\s+(?:fruheren|vorherigen|ersten)\s+(?:version|fassung)\s+dieses\s+"
    r"(?:artikels|beitrags|textes)",
    # Spanish
    r"(?:este|el)\s+(?:articulo|texto)\s+(?:fue|ha\s+sido)\s+(?:actualizado|corregido|modificado)",
    r"una\s+version\s+(?:anterior|previa)\s+de\s+(?:este|esta)\s+(?:articulo|nota|texto)",
    # Italian
    r"una\s+versione\s+precedente\s+di\s+questo\s+articolo",
    r"questo\s+articolo\s+e\s+stato\s+(?:aggiornato|corretto|modificato)",
    # Portuguese
    r"uma\s+versao\s+anterior\s+dest[ae]\s+(?:texto|artigo|reportagem|materia)",
    r"(?:este|o)\s+(?:texto|artigo)\s+foi\s+(?:atualizado|corrigido|alterado)",
    # Russian
    r"в\s+(?:предыдущей|первоначальной|ранней)\s+(?:версии|редакции)\s+(?:этой\s+)?"
    r"(?:статьи|материала|заметки)",
    r"(?:эта\s+)?(?:статья|материал)\s+был[аи]?\s+(?:изменен|исправлен|обновлен|дополнен)",
    # Turkish
    r"bu\s+(?:haber|makale|yaz[iı])\s+(?:guncellendi|duzeltildi)",
    # Arabic
    r"(?:نسخة|صيغة)\s+سابقة\s+من\s+هذا\s+(?:المقال|الخبر|التقرير)",
    r"تم\s+(?:تعديل|تحديث|تصحيح)\s+هذا\s+(?:المقال|الخبر|التقرير)",
]


def _plain(text: str) -> str:
    """Accents and other combining marks off, case folded (é -> e, й -> и): patterns and
    paragraphs are both compared in this form."""
    if text.isascii():  # nothing to decompose: a character loop per paragraph spared
        return text.casefold()
    key = unicodedata.normalize("NFKD", text)
    if key.isascii():
        return key.casefold()
    return "".join(ch for ch in key if not unicodedata.combining(ch)).casefold()


_SEPARATOR = r"\s*(?:[:：,\-–—(\[]|\d|$)"
_LABEL = re.compile(_plain(r"^[\W_]*(?:" + "|".join(_LABELS) + r")" + _SEPARATOR))
_SENTENCE = re.compile(_plain(r"^[\W_]*(?:" + "|".join(_SENTENCES) + r")"))
# "Update: …" is a note only when it speaks of the article itself ("Mise à jour : cet
# article a été complété …"); "Update: the storm has moved inland" is the news, and
# "Updated 18:17 GMT" an update stamp
_UPDATE_LABEL = re.compile(
    _plain(
        r"^[\W_]*(?:updates?|mise\s+a\s+jour|actualizacion|aktualisierung|обновление|تحديث)"
        + _SEPARATOR
    )
)
_ABOUT_THE_ARTICLE = re.compile(
    _plain(
        r"\b(?:this\s+(?:article|story|report|piece|post)|an?\s+(?:earlier|previous)\s+version"
        r"|cet\s+article|ce\s+texte|cette\s+version|este\s+(?:articulo|texto)"
        r"|dieser\s+(?:artikel|beitrag|text)|questo\s+articolo|este\s+(?:artigo|texto)"
        r"|(?:эта|этой)\s+стать|материал"
        r"|هذا\s+(?:المقال|الخبر|التقرير))"
    )
)


def _fold(text: str) -> str:
    """Case folded, accents off (é -> e, ü -> u, ё -> е), curly apostrophes straight: the
    form the patterns are written in."""
    key = _plain(comparable(text))
    return key.replace("\u2019", "'").replace("\u02bc", "'").replace("\u2018", "'")


def is_note(paragraph: str) -> bool:
    """Whether one paragraph reads as a correction or editor's note."""
    text = paragraph.strip()
    if not text or len(text) > MAX_NOTE:
        return False
    # every pattern is anchored at the start and reads :data:`HEAD` characters at most:
    # folding the rest of a long paragraph (a character loop) was most of a change's cost
    key = _fold(text[:HEAD])
    if _UPDATE_LABEL.match(key):
        return bool(_ABOUT_THE_ARTICLE.search(key[:300]))
    return bool(_LABEL.match(key) or _SENTENCE.match(key))


def notes(paragraphs: Sequence[str]) -> list[str]:
    """The notes among the first and last :data:`EDGE` paragraphs, in page order."""
    n = len(paragraphs)
    edges = sorted({*range(min(EDGE, n)), *range(max(0, n - EDGE), n)})
    return [paragraphs[i] for i in edges if is_note(paragraphs[i])]


def new_note(old: Sequence[str], new: Sequence[str]) -> str | None:
    """The first note of ``new`` that ``old`` did not carry (same text under comparison),
    or None: the correction this version made."""
    seen = {comparable(p) for p in old}
    for note in notes(new):
        if comparable(note) not in seen:
            return note
    return None
