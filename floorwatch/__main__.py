"""`python -m floorwatch` runs the command line."""

from floorwatch.cli import main

if __name__ == "__main__":
    main()
