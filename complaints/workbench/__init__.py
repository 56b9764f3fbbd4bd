"""What handlers see and type: the scoped reads, my-work counts, lists, the timeline,
badges and the forms of each action."""
