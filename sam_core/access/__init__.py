"""Who may log in and do what: users, permissions, the password login method, login limits,
client addresses, sessions (logout and revocation) and the audit of logins."""
