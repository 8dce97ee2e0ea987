"""The steps the commands share, in the order they run: the session they are handed
(`session`), the project, key and configured model (`prepare`, `key`), the network step
(`network`), and what is written beside the main change (`outputs`)."""
