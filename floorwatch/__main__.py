"""`python -m floorwatch` runs the command line."""

from floorwatch.cli import run

if __name__ == "__main__":
    run()
