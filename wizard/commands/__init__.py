"""One module per command; each takes a Context and returns an Outcome. None of them exits."""
