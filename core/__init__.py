"""Infrastructure shared by every app, with no domain rule; it imports no app (DESIGN §1)."""
