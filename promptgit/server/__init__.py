"""`promptgit serve`: a read-only prompt server, and the service kit for Python services.

- app.py: `ServeApp`, every route (native JSON API, Langfuse's public prompt API, health, readiness,
  metrics) as a function of a request; http_server.py serves it with the standard library;
- langfuse_api.py: Langfuse's prompt objects for prompts that opt in (`serve: {langfuse: true}`);
- request_ids.py, access_log.py, api_keys.py: request and trace ids, the JSON access log line, API keys;
- asgi.py: `PromptgitMiddleware`, what serve does for its own requests, for any ASGI service.

An application room: may import any library area; nothing in the library imports it.
"""
