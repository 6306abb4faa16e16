"""Ways to run the pipeline from Python, each what one command does: the ingest alone, one
dashboard (alone or with an ingest beside it), the demo, a replay, the dashboard in a browser.

The command line (floorwatch/cli) parses flags and prints; everything it starts is here, so a
mode can be started without click (tests, benchmarks, another program).
"""
