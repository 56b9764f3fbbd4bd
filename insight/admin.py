"""Admin pages of the insight features."""
