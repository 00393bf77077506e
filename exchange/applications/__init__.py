"""Hiring pipeline: applications (responses, invitations, centre referrals), stages, the three-working-day rule."""
