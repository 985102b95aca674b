"""Early warnings (SPEC.md section 9): what needs attention this week for each user (rules),
who sees which accounts (scope), acknowledgements and snoozes (acks), the changes of the data
over time (history), what changed between two dates (changes) and the weekly digest (digest)."""
