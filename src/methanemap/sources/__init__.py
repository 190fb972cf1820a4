"""Readers of the public inputs, each returning tidy frames in documented units."""
