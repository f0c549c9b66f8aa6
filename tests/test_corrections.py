"""Corrections and editor's notes: the pure table, the diff's verdict, then through a real
local site, the CLI, a webhook receiver and the web view."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from newswatch.cli import main
from newswatch.judge.corrections import is_note, new_note, notes
from newswatch.judge.diff import compare
from newswatch.models import Article
from newswatch.store import open_store
from newswatch.web import create_app
from tests.conftest import PageServer, write_config

NOTES = [
    "Correction: An earlier version misnamed the city.",
    "CORRECTION (May 4): The minister's name was misspelled.",
    "Clarification, May 4: the vote was postponed, not cancelled.",
    "Editor's note: This story has been updated with comments from the mayor.",
    "Editor\u2019s Note \u2014 This article was first published in 2016.",
    "Editors' note: names have been changed to protect the victims.",
    "This article was amended on 4 May 2024 to correct the name of the union leader.",
    "This story has been updated to include the police statement.",
    "An earlier version of this article misstated the date of the meeting.",
    "A previous version of this story said the bridge had closed.",
    "Mise à jour : cet article a été complété avec la réaction du maire.",
    "Update: This story has been corrected to show the vote was on Monday.",
    "Rectificatif : une version précédente indiquait vingt kilomètres.",
    "Note de la rédaction : ce texte a été modifié le 3 mai.",
    "NDLR : les prénoms ont été changés.",
    "Cet article a été modifié le 4 mai pour corriger une erreur de date.",
    "Une précédente version de cet article indiquait un autre chiffre.",
    "Anm. d. Red.: In einer früheren Version hieß es, der Minister sei zurückgetreten.",
    "Anmerkung der Redaktion: Der Artikel wurde um eine Stellungnahme ergänzt.",
    "Korrektur: Der Bürgermeister heißt Meier, nicht Maier.",
    "Dieser Artikel wurde am 4. Mai aktualisiert.",
    "In einer früheren Version dieses Artikels stand ein falsches Datum.",
    "Nota del editor: este artículo fue actualizado con la respuesta del ministerio.",
    "Nota de la redacción: se corrigió el nombre del alcalde.",
    "Fe de erratas: el acto es el jueves, no el viernes.",
    "Una versión anterior de este artículo decía que la ley se aprobó.",
    "Nota della redazione: l'articolo è stato aggiornato.",
    "Correção: uma versão anterior deste texto errou o nome do ministro.",
    "Nota do editor: este texto foi atualizado às 18h.",
    "Примечание редакции: в статью внесены уточнения.",
    "Поправка: в первоначальной версии была неверно указана дата.",
    "В предыдущей версии статьи была допущена ошибка в фамилии.",
    "Düzeltme: Haberin önceki sürümünde tarih yanlış yazılmıştı.",
    "ملاحظة المحرر: تم تحديث هذا الخبر بإضافة تصريحات الوزير.",
    "ملاحظة المحرّر - نسخة سابقة من هذا المقال ذكرت تاريخا خاطئا.",
    "تصحيح: ورد في نسخة سابقة أن الاجتماع عقد الثلاثاء.",
    "تنويه: تم تعديل هذا الخبر.",
]

NOT_NOTES = [
    "Updated 18:17 GMT",  # an update stamp, not a note
    "Update: 18:17",
    "Mise à jour : 12h30",
    "Update: the storm has moved inland.",  # a live update is the news, not a note
    "Update 18:17 GMT: police have reopened the road.",
    "The correction in the markets continued on Tuesday, analysts said.",
    "The editor of the local paper said the note was genuine.",
    "Officials said an earlier version of the plan had been rejected.",
    "Correctional officers walked out on Monday.",
    "",
    "Korrekturen am Haushalt seien nötig, sagte der Minister.",
    "قال المحرر إن الصحيفة ستواصل النشر.",
]


@pytest.mark.parametrize("text", NOTES)
def test_notes_are_recognised(text: str) -> None:
    assert is_note(text), text


@pytest.mark.parametrize("text", NOT_NOTES)
def test_prose_and_stamps_are_not_notes(text: str) -> None:
    assert not is_note(text), text


BODY = [
    f"Paragraph {n}: the council met the dock workers on Monday and agreed to talk again "
    "before the end of the month, officials said."
    for n in ("one", "two", "three", "four", "five", "six", "seven", "eight")
]


def test_notes_are_read_at_the_edges_only() -> None:
    note = NOTES[3]
    assert notes([note, *BODY]) == [note]
    assert notes([*BODY, note]) == [note]
    assert notes([*BODY[:4], note, *BODY[4:]]) == []  # a quote in the middle is not a note
    assert new_note([note, *BODY], [note, *BODY]) is None  # carried over, not new
    changed = "Editor's note: This story has been updated again with the final vote."
    assert new_note([note, *BODY], [changed, *BODY]) == changed


@pytest.mark.parametrize("where", ["top", "bottom"])
@pytest.mark.parametrize("text", [NOTES[3], NOTES[6], NOTES[8], NOTES[10], NOTES[16], NOTES[32]])
def test_a_new_note_makes_a_correction_change(where: str, text: str) -> None:
    old = Article(url="u", title="Harbour talks", paragraphs=list(BODY))
    paragraphs = [text, *BODY] if where == "top" else [*BODY, text]
    change = compare(old, Article(url="u", title="Harbour talks", paragraphs=paragraphs))
    assert change is not None
    assert change.kind == "correction" and change.correction == text
    assert change.silent is False
    record = change.record()
    assert record["kind"] == "correction" and record["correction"] == text


def html(paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><head><title>Harbour talks</title></head><body><article><h1>Harbour talks</h1>"
        f"{body}</article></body></html>"
    ).encode()


def test_an_editors_note_on_top_is_a_correction_through_the_pipeline(
    tmp_path: Path, site: PageServer
) -> None:
    config = write_config(tmp_path, site.url, hook_url=site.hook_url)
    runner = CliRunner()
    note = "Editor's note: This story has been updated with comments from the mayor."
    for paragraphs in (BODY, [note, *BODY]):
        site.content = html(paragraphs)
        result = runner.invoke(main, ["--config", str(config), "check"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert "correction: \u201cEditor's note" in result.output
    history = json.loads(
        runner.invoke(main, ["--config", str(config), "history", site.url, "--json"]).output
    )
    (change,) = history["changes"]
    assert change["kind"] == "correction" and change["correction"] == note
    assert change["silent"] is False
    (hook,) = [h for h in site.hooks if h.get("type") == "change"]
    assert hook["change"]["kind"] == "correction" and hook["change"]["correction"] == note
    page = TestClient(create_app(open_store(tmp_path / "watch.db", readonly=True))).get("/")
    assert page.status_code == 200 and ">correction<" in page.text
