"""Vacancies: what employers offer, published to the portal and the state system."""
