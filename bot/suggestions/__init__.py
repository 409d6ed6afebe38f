"""Member suggestions (issue 14): a team's queue of proposed questions, and its own approved questions."""
