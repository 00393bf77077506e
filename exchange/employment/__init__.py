"""Employment records: how and where a seeker got a job (hire, pension data, report)."""
