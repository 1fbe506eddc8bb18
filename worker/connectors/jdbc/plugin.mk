# The JDBC family links libpq (PostgreSQL) and sqlite3 (SQLite).
jdbc_PKGS := libpq sqlite3
