"""The public portal and the per-role dashboards (cabinets)."""
