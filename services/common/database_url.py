"""What a libpq database URL tells libpq and eventsourcing's PostgreSQL module."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlparse


def libpq_tls(database_url: str) -> dict[str, str]:
    """TLS settings in the URL's query (`?sslmode=verify-full&sslrootcert=/etc/hotline/ca.crt`)
    as libpq's environment variables: eventsourcing's pool connects by host and port, and
    libpq reads these for every connection the process makes."""
    query = parse_qs(urlparse(database_url).query)
    names = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
             "sslkey": "PGSSLKEY"}
    return {names[k]: v[-1] for k, v in query.items() if k in names}


def postgres_env(database_url: str) -> dict[str, str]:
    """eventsourcing's POSTGRES_* variables from the libpq URL."""
    url = urlparse(database_url)
    return {
        "PERSISTENCE_MODULE": "services.common.pgshared:SharedPostgresFactory",
        "POSTGRES_DBNAME": url.path.lstrip("/"),
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or ""),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        # One pool per process, shared by its stores (pgshared): two connections kept, more
        # opened while concurrent work needs them (up to 16, idle ones closed after ten
        # minutes). A pool of up to 9 per store gave the API's two workers 71 backends (#31).
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "14",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        # A connection the server dropped (a restart) is noticed before use, not by a request.
        "POSTGRES_PRE_PING": "y",
    }
