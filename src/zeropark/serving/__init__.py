"""What the HTTP API and the web pages share to serve a request: sessions, CSRF, caches."""
