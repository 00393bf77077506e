"""Delivery channels (e-mail, SMS and calls through Twilio, the Telegram bot) and message rendering."""
