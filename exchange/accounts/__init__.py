"""Accounts: people who sign in, their role and their session."""
