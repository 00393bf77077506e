"""The programme's platform indicators (R-MON-4): daily roll-up by region, public statistics page."""
