"""Job seekers: profiles, consents and registration at an employment centre."""
