# The JDBC family links libpq (PostgreSQL), sqlite3 (SQLite) and libmariadb (MySQL, MariaDB).
jdbc_PKGS := libpq sqlite3 libmariadb
