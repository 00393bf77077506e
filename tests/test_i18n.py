"""Every visible string has a Kazakh and a Russian translation, and compiled catalogues are current."""

from exchange import i18n_tools


def test_every_string_is_translated_to_kk_and_ru():
    problems = i18n_tools.untranslated()
    summary = {key: ids[:5] for key, ids in problems.items()}
    assert not problems, f"untranslated strings (run `exchange i18n update` and fill them): {summary}"


def test_compiled_catalogues_are_current():
    assert i18n_tools.stale_mo_files() == [], "run `exchange i18n compile`"


def test_placeholders_survive_translation():
    import re

    from babel.messages.pofile import read_po

    pattern = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for domain in i18n_tools.domains():
        for locale in i18n_tools.TARGET_LOCALES:
            path = domain.po_path(locale)
            if not path.exists():
                continue
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            for message in catalog:
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
                strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
                wanted = set(pattern.findall(ids[-1]))
                for text in strings:
                    # Plural forms may drop the number for "one" in some languages, never add new names.
                    assert set(pattern.findall(text)) <= wanted | set(pattern.findall(ids[0])), (path, message.id, text)
