"""Storage: tables, engine, migrations and the queries the services run."""
