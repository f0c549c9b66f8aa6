"""Stamp lines in every language we read: one row per (language, form). Forms: a publish
label, an update label, 12 h and 24 h clocks, a zone, a relative age. Instants in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newswatch.extract.textstamps import parse_stamp_line

ARTICLE = datetime(2016, 7, 20, 9, 0, tzinfo=UTC)
FETCHED = datetime(2016, 7, 20, 19, 0, tzinfo=UTC)


def utc(hour: int, minute: int = 0, day: int = 20) -> datetime:
    return datetime(2016, 7, day, hour, minute, tzinfo=UTC)


ROWS = [
    # en
    ("en", "Published: July 20, 2016 at 6:17 PM GMT", "published", utc(18, 17)),
    ("en", "Updated 6:17 p.m. ET July 20, 2016", "updated", utc(22, 17)),
    ("en", "Last modified on Wed 20 Jul 2016 18.17 BST", "updated", utc(17, 17)),
    ("en", "Updated 2 hours ago", "updated", FETCHED - timedelta(hours=2)),
    # fr
    ("fr", "Publié le 20/07/2016 à 18:17", "published", utc(18, 17)),
    ("fr", "Mis à jour le 20 juillet 2016 à 20h17 (heure de Paris)", "updated", utc(18, 17)),
    ("fr", "Mis à jour il y a 3 heures", "updated", FETCHED - timedelta(hours=3)),
    # de
    ("de", "Veröffentlicht am 20.07.2016 um 20:17 Uhr MESZ", "published", utc(18, 17)),
    ("de", "Zuletzt aktualisiert: 20.07.2016, 18:17 Uhr", "updated", utc(18, 17)),
    ("de", "Aktualisiert vor 45 Minuten", "updated", FETCHED - timedelta(minutes=45)),
    # es
    ("es", "Publicado el 20 de julio de 2016, 6:17 p. m. GMT", "published", utc(18, 17)),
    ("es", "Actualizado: 20/07/2016 20:17 CEST", "updated", utc(18, 17)),
    ("es", "Actualizado hace 5 horas", "updated", FETCHED - timedelta(hours=5)),
    # ru
    ("ru", "Опубликовано 20.07.2016 21:17 МСК", "published", utc(18, 17)),
    ("ru", "Обновлено 20 июля 2016, 18:17", "updated", utc(18, 17)),
    ("ru", "Обновлено 2 часа назад", "updated", FETCHED - timedelta(hours=2)),
    # tr
    ("tr", "Yayınlanma: 20.07.2016 21:17 TSİ", "published", utc(18, 17)),
    ("tr", "Güncelleme: 20 Temmuz 2016, 18:17", "updated", utc(18, 17)),
    ("tr", "Güncellendi 3 saat önce", "updated", FETCHED - timedelta(hours=3)),
    # ar
    ("ar", "نشر في 20 يوليو 2016 - 09:17 مساءً بتوقيت مكة المكرمة", "published", utc(18, 17)),
    ("ar", "آخر تحديث: 20 تموز/يوليو 2016 - 18:17 بتوقيت غرينتش", "updated", utc(18, 17)),
    ("ar", "تحديث منذ ساعتين", "updated", FETCHED - timedelta(hours=2)),
    # fa
    ("fa", "تاریخ انتشار: ۲۰ ژوئیه ۲۰۱۶ ساعت ۱۸:۱۷", "published", utc(18, 17)),
    ("fa", "به‌روزرسانی: ۲۰ ژوئیه ۲۰۱۶ - ۲۲:۴۷ به وقت تهران", "updated", utc(18, 17)),
    ("fa", "به‌روزرسانی ۳ ساعت پیش", "updated", FETCHED - timedelta(hours=3)),
    # fa, in the Solar Hijri calendar Persian pages date in (29 Tir 1395 is 19 July 2016)
    ("fa", "تاریخ انتشار: ۲۹ تیر ۱۳۹۵ ساعت ۱۸:۱۷", "published", utc(18, 17, day=19)),
    ("fa", "به‌روزرسانی: سه‌شنبه ۲۹ تير ۱۳۹۵ - ۱۸:۱۷", "updated", utc(18, 17, day=19)),
    ("fa", "تاریخ انتشار: ۱۳۹۵/۰۴/۲۹ - ۱۸:۱۷", "published", utc(18, 17, day=19)),
    # it, pt, nl, pl: read too
    ("it", "Aggiornato il 20 luglio 2016 alle ore 20:17", "updated", utc(20, 17)),
    ("pt", "Atualizado em 20/07/2016 às 18h17", "updated", utc(18, 17)),
    ("nl", "Bijgewerkt op 20 juli 2016 om 18:17", "updated", utc(18, 17)),
    ("pl", "Zaktualizowano 20 lipca 2016, 18:17", "updated", utc(18, 17)),
]


@pytest.mark.parametrize(("lang", "line", "kind", "at"), ROWS, ids=[r[1] for r in ROWS])
def test_stamp_line(lang: str, line: str, kind: str, at: datetime) -> None:
    stamp = parse_stamp_line(line, article_date=ARTICLE, fetched_at=FETCHED)
    assert stamp is not None, (lang, line)
    assert (stamp.kind, stamp.at) == (kind, at), (lang, line)
