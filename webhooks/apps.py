from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        # prune_executions deletes an execution's deliveries with it (executions never imports webhooks).
        from executions import retention
        from webhooks.models import Delivery, DeliveryAttempt

        def deliveries(ids):
            return Delivery.objects.filter(execution_id__in=ids)

        # Each registration goes first: the attempts, then the deliveries they belong to.
        retention.owned_register("deliveries", deliveries)
        retention.owned_register("delivery_attempts", lambda ids: DeliveryAttempt.objects.filter(
            delivery_id__in=deliveries(ids).values("pk")))
