"""Resumes: what a seeker offers, published on the portal for at most a month at a time."""
