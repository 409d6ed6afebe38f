"""Plain domain types shared by every layer. This package imports nothing else of the project."""
