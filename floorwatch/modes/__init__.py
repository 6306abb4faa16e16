"""Ways to run the whole pipeline in one command: the demo, a replay, the browser wall."""
