"""Administration: employment centres and their staff, accounts, moderation."""
