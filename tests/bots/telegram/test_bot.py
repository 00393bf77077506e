"""The Telegram bot against a local Bot API server that checks every call against the official
method list: deep-link linking, commands, the subscription dialogue, alerts with buttons, unlink,
webhook secret and polling."""

from __future__ import annotations

import sqlalchemy as sa

from bots import channels
from bots.telegram.polling import poll
from exchange.accounts.models import AccountRole, User
from exchange.notifications import operations
from exchange.notifications.models import Channel, Delivery, DeliveryStatus, TelegramLink
from exchange.subscriptions.models import Subscription
from tests import factories

CHAT = 5550001
SECRET = {"X-Telegram-Bot-Api-Secret-Token": "hook-secret"}


def _post(client, bot_api, update):
    return client.post("/notifications/telegram/webhook", json=bot_api.push_update(update), headers=SECRET)


def _link(db, client, bot_api, person) -> None:
    token = operations.start_telegram_link(db, factories.actor_for(db, person))
    db.commit()
    assert _post(client, bot_api, bot_api.text_update(CHAT, f"/start {token}")).status_code == 200


def test_webhook_refuses_a_wrong_secret(client, bot_api):
    update = bot_api.push_update(bot_api.text_update(CHAT, "/help"))
    assert client.post("/notifications/telegram/webhook", json=update).status_code == 403
    assert client.post("/notifications/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}).status_code == 403
    assert bot_api.sent() == []


def test_deep_link_links_once_and_greets_in_the_users_language(db, client, bot_api):
    person = factories.user(db, AccountRole.SEEKER, locale="kk", full_name="Айгерім Серікбаева")
    token = operations.start_telegram_link(db, factories.actor_for(db, person))
    db.commit()
    _post(client, bot_api, bot_api.text_update(CHAT, f"/start {token}", username="aigerim_kz"))
    link = db.scalar(sa.select(TelegramLink).where(TelegramLink.user_id == person.id))
    db.refresh(link)
    assert link.chat_id == CHAT and link.telegram_username == "aigerim_kz" and link.token_hash is None
    greeting = bot_api.sent()[0]
    assert "Айгерім" in greeting["text"] and "аккаунтыңыз қосылды" in greeting["text"]
    # The token works once: another chat cannot reuse it.
    _post(client, bot_api, bot_api.text_update(CHAT + 1, f"/start {token}"))
    assert "жарамсыз" in bot_api.sent()[-1]["text"] or "недействительна" in bot_api.sent()[-1]["text"]


def test_commands_need_a_linked_account(client, bot_api):
    _post(client, bot_api, bot_api.text_update(CHAT, "/subscriptions", language="en"))
    assert "First connect your Birzha account" in bot_api.sent()[-1]["text"]


def test_subscription_dialogue_with_buttons(db, client, bot_api):
    person = factories.user(db, AccountRole.SEEKER, locale="ru")
    _link(db, client, bot_api, person)
    _post(client, bot_api, bot_api.text_update(CHAT, "/subscriptions"))
    markup = bot_api.sent()[-1]["reply_markup"]
    assert "sub:new" in markup
    _post(client, bot_api, bot_api.callback_update(CHAT, "sub:new"))
    assert "Шаг 1 из 3" in bot_api.sent()[-1]["text"]
    _post(client, bot_api, bot_api.text_update(CHAT, "бухгалтер"))
    assert "Шаг 2 из 3" in bot_api.sent()[-1]["text"] and "subr:750000000" in bot_api.sent()[-1]["reply_markup"]
    _post(client, bot_api, bot_api.callback_update(CHAT, "subr:750000000"))
    assert "Шаг 3 из 3" in bot_api.sent()[-1]["text"]
    _post(client, bot_api, bot_api.callback_update(CHAT, "subf:daily"))
    assert "Сохранено" in bot_api.sent()[-1]["text"]
    sub = db.scalar(sa.select(Subscription).where(Subscription.user_id == person.id))
    assert sub.params == {"q": "бухгалтер", "region": "750000000"} and sub.frequency.value == "daily"
    assert len(bot_api.sent("answerCallbackQuery")) == 3
    # Muting from the list.
    _post(client, bot_api, bot_api.callback_update(CHAT, f"mute:{sub.id}"))
    db.refresh(sub)
    assert sub.active is False


def test_alert_goes_to_telegram_with_open_and_mute_buttons(app, db, client, bot_api):
    person = factories.user(db, AccountRole.SEEKER, locale="ru")
    _link(db, client, bot_api, person)
    actor = factories.actor_for(db, person)
    from exchange.subscriptions import operations as subs

    sub = subs.create_subscription(db, actor, {"kind": "vacancies", "params": {"q": "повар"}})
    note = operations.notify(db, person.id, "new_matching_vacancies", {
        "search": "повар", "count": 1, "items": [{"title": "Повар", "path": "/vacancies/1"}], "path": "/vacancies/1", "subscription_id": sub.id,
    }, ["telegram"])
    db.commit()
    delivery = db.scalar(sa.select(Delivery).where(Delivery.notification_id == note.id, Delivery.channel == Channel.TELEGRAM))
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT, delivery.error
    alert = bot_api.sent()[-1]
    assert alert["chat_id"] in (CHAT, str(CHAT)) and alert["parse_mode"] == "HTML"
    assert "http://localhost/vacancies/1" in alert["reply_markup"] and f"mute:{sub.id}" in alert["reply_markup"]
    _post(client, bot_api, bot_api.callback_update(CHAT, f"mute:{sub.id}"))
    db.refresh(sub)
    assert sub.active is False
    assert "приостановлены" in bot_api.sent("answerCallbackQuery")[-1]["text"]


def test_blocked_bot_fails_the_delivery_without_retry(app, db, client, bot_api):
    person = factories.user(db, AccountRole.SEEKER)
    factories.telegram_link(db, person, CHAT)
    bot_api.fail_next.append((403, "Forbidden: bot was blocked by the user"))
    note = operations.notify(db, person.id, "hired", {}, ["telegram"])
    db.commit()
    delivery = db.scalar(sa.select(Delivery).where(Delivery.notification_id == note.id))
    db.refresh(delivery)
    assert delivery.status == DeliveryStatus.FAILED and "blocked" in delivery.error


def test_language_and_unlink(db, client, bot_api):
    person = factories.user(db, AccountRole.SEEKER, locale="ru")
    _link(db, client, bot_api, person)
    _post(client, bot_api, bot_api.text_update(CHAT, "/language"))
    assert "lang:kk" in bot_api.sent()[-1]["reply_markup"]
    _post(client, bot_api, bot_api.callback_update(CHAT, "lang:kk"))
    db.refresh(db.get(User, person.id))
    assert db.get(User, person.id).locale == "kk"
    assert "Тіл" in bot_api.sent()[-1]["text"]
    _post(client, bot_api, bot_api.text_update(CHAT, "/unlink"))
    assert "unlink:yes" in bot_api.sent()[-1]["reply_markup"]
    _post(client, bot_api, bot_api.callback_update(CHAT, "unlink:yes"))
    link = db.scalar(sa.select(TelegramLink).where(TelegramLink.user_id == person.id))
    db.refresh(link)
    assert link.chat_id is None and link.linked_at is None
    # Alerts no longer go to the chat.
    note = operations.notify(db, person.id, "hired", {}, ["telegram"])
    assert db.scalar(sa.select(Delivery.status).where(Delivery.notification_id == note.id)) == DeliveryStatus.SKIPPED


def test_applications_list_with_deadlines(db, client, bot_api):
    person = factories.user(db, AccountRole.SEEKER)
    _link(db, client, bot_api, person)
    _post(client, bot_api, bot_api.text_update(CHAT, "/applications"))
    assert "нет откликов" in bot_api.sent()[-1]["text"]


def test_polling_answers_scripted_updates(app, db, bot_api):
    person = factories.user(db, AccountRole.SEEKER, locale="en")
    token = operations.start_telegram_link(db, factories.actor_for(db, person))
    db.commit()
    bot_api.push_update(bot_api.text_update(CHAT, f"/start {token}", language="en"))
    bot_api.push_update(bot_api.text_update(CHAT, "/help", language="en"))
    rounds = iter(range(3))
    handled = poll(app, channels.bot_runner(app), timeout=0, stop=lambda: next(rounds, None) is None)
    assert handled == 2
    texts = [m["text"] for m in bot_api.sent()]
    assert any("account is connected" in t for t in texts) and any("/subscriptions" in t for t in texts)
    assert [name for name, _ in bot_api.calls][:1] == ["deleteWebhook"]
