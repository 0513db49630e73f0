"""gunicorn settings for the web container (``gunicorn -c gunicorn.conf.py apcommission.wsgi``).

Read from the same environment as the app, with the same strict parsing (apcommission.env).

- Forwarded headers: gunicorn by default believes ``X-Forwarded-Proto`` (and friends) from 127.0.0.1, whatever
  the app is told. Here it believes them only when DJANGO_BEHIND_TLS_PROXY is true, and then only from
  FORWARDED_ALLOW_IPS (addresses or networks of the proxy; ``*`` when the container's port is reachable from
  the proxy alone, as in docker-compose.yml). Otherwise no client can make a plain-http request look secure.
- Request limits: the request line, header count and header size are capped by gunicorn; the body size is
  capped by apcommission.middleware.RequestSizeLimitMiddleware (REQUEST_MAX_BYTES) before Django reads it.
- Workers are synchronous, one request at a time each, so each holds at most one database connection from
  its pool at a time; see README, "Connections", for the sum against PostgreSQL's max_connections.
"""

from apcommission.env import env_bool, env_int, env_str

bind = env_str("GUNICORN_BIND", "0.0.0.0:8000")
workers = env_int("WEB_CONCURRENCY", 3, minimum=1, maximum=64)
worker_class = "sync"
timeout = env_int("GUNICORN_TIMEOUT", 60, minimum=5)
graceful_timeout = 30
keepalive = 5
accesslog = "-"

limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "*")
    secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
else:
    forwarded_allow_ips = ""
    secure_scheme_headers = {}


def post_worker_init(worker):
    """Load WeasyPrint and its fonts in each worker as it starts (about a second), not on the first PDF a user
    asks for from that worker."""
    from trusts.pdf import warm_up

    warm_up()
