"""Re-extraction: an article's history read again, from the pages its fetches kept, by
the current extractor and judged by the live check's own rules, as a new extraction
generation (the earlier reading stays readable). Pure core in :mod:`.rejudge` and
:mod:`.report`."""
