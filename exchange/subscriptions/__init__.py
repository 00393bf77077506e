"""Saved searches: seekers follow vacancy searches, employers and agencies follow resume searches."""
