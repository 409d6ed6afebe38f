"""Database tools for operators: copying every table between engines (`db copy`) and backups (`db backup`)."""
