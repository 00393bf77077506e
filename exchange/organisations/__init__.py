"""Organisations: employers, private employment agencies, employment centres, and their members."""
