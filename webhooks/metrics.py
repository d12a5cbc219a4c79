"""The worker's Prometheus figures, served by /metrics (config/metrics.py) with the rest: attempts
by outcome, and how long the oldest pending delivery has waited. Label values are bounded."""

from prometheus_client import Counter, Gauge

# outcome: succeeded, retrying (failed, another attempt is scheduled), failed (given up).
DELIVERIES = Counter("webhook_deliveries_total", "Webhook delivery attempts, by outcome.", ["outcome"])
OLDEST_PENDING_AGE = Gauge("webhook_oldest_pending_delivery_age_seconds",
                           "Age of the oldest pending webhook delivery (0 when none).", multiprocess_mode="max")
