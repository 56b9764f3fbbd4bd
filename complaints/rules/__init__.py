"""Rules that need no request: who approves what, which actions are open, what a
refusal says, code lists, identifiers and reply-template placeholders."""
