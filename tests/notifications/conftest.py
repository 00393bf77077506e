from tests.support.fixtures import bot_api, prism_server, settings_override, smtp_server, twilio_on  # noqa: F401
