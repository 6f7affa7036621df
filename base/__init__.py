"""The shared base every layer may import: settings, logging, metrics, the NATS subjects and identities.

It imports none of the project's layers (domain, commands, projections, brokers, gateway, ops); a test keeps it so."""
