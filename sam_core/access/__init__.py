"""Who may log in and do what: users, permissions, login limits and logouts."""
