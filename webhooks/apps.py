from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        # prune_executions deletes an execution's deliveries with it (executions never imports webhooks).
        from executions import retention
        from webhooks.models import Delivery

        retention.owned_register("deliveries", lambda ids: Delivery.objects.filter(execution_id__in=ids))
