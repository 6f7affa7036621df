"""Authentication of the gateway: access tokens (JWT), refresh-token families and login throttling in Redis."""
