"""Load and latency harness for the chat: ``python bench/run.py`` (see bench/README.md)."""
