"""`python -m fitvault` runs the CLI."""

from fitvault.cli.main import main

if __name__ == "__main__":
    main()
