import pytest

from config import SETTINGS, SettingsError, load_settings


def test_every_setting_is_documented_and_typed():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names)), "a setting is declared twice"
    for setting in SETTINGS:
        assert setting.description.strip(), setting.name
        assert isinstance(setting.default, setting.type), setting.name


def test_embedded_defaults():
    settings = load_settings(environ={})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("instance/birzha.db")
    assert settings.search_backend == "sql"
    assert settings.jobs_mode == "inline"
    assert not settings.TWILIO_ACCOUNT_SID and not settings.TELEGRAM_BOT_TOKEN and not settings.SMTP_HOST


def test_environment_overrides_and_derived_modes():
    settings = load_settings(environ={"ELASTICSEARCH_URL": "http://127.0.0.1:9200", "REDIS_URL": "redis://x:6379/0"})
    assert settings.search_backend == "elasticsearch"
    assert settings.jobs_mode == "rq"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"SMTP_PORT": "twenty-five"}, "SMTP_PORT"),
        ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE"),
        ({"SESSION_COOKIE_SECURE": "maybe"}, "SESSION_COOKIE_SECURE"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"ELASTICSEARCH_URL": "localhost:9200"}, "ELASTICSEARCH_URL"),
        ({"SEARCH_BACKEND": "elasticsearch"}, "ELASTICSEARCH_URL"),
        ({"JOBS_MODE": "rq"}, "REDIS_URL"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"JOB_TIMEOUT": "0"}, "JOB_TIMEOUT"),
    ],
)
def test_bad_values_name_the_setting(environ, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(environ=environ)


def test_unknown_override_is_refused():
    with pytest.raises(SettingsError, match="NOT_A_SETTING"):
        load_settings({"NOT_A_SETTING": 1}, environ={})


def test_readme_lists_every_setting():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "config_table.py"
    result = subprocess.run([sys.executable, str(script), "--check"], check=False)  # noqa: S603 - our own script
    assert result.returncode == 0, "run python scripts/config_table.py"
