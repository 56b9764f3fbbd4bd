"""Time: statutory limits on the working-day calendar, the two dates a case shows, and
dates of real events as evidence."""
