"""Bash knowledge: quoting for a value's place, splitting blocks into commands,
what a command does to the world."""
