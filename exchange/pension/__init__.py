"""Pension-contribution feed import and the weekly reconciliation (R-MON-1, R-MON-3)."""
