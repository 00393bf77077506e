"""Classifiers: KATO regions, ISCO-08 occupations, education levels, languages, licences."""
