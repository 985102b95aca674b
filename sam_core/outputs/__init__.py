"""What people read: formatting of figures, charts, the brief, the deck and Excel files."""
