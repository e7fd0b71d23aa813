"""The jixiao command line: migrate, load the demo, score files."""
