"""Contains all the data models used in inputs/outputs"""

from .action_request import ActionRequest
from .api_root import ApiRoot
from .api_root_envelope import ApiRootEnvelope
from .api_root_links import ApiRootLinks
from .bulk_cancel_request import BulkCancelRequest
from .bulk_cancel_request_filter import BulkCancelRequestFilter
from .bulk_result import BulkResult
from .bulk_result_envelope import BulkResultEnvelope
from .bulk_result_item import BulkResultItem
from .bulk_result_skipped import BulkResultSkipped
from .bulk_retry_request import BulkRetryRequest
from .bulk_retry_request_filter import BulkRetryRequestFilter
from .cancel_request import CancelRequest
from .delivery import Delivery
from .delivery_attempt import DeliveryAttempt
from .delivery_detail import DeliveryDetail
from .delivery_detail_envelope import DeliveryDetailEnvelope
from .delivery_envelope import DeliveryEnvelope
from .delivery_links import DeliveryLinks
from .delivery_page import DeliveryPage
from .delivery_status import DeliveryStatus
from .delivery_type import DeliveryType
from .event import Event
from .event_data import EventData
from .event_list_envelope import EventListEnvelope
from .event_type import EventType
from .events_enum import EventsEnum
from .execution import Execution
from .execution_envelope import ExecutionEnvelope
from .execution_execution_context import ExecutionExecutionContext
from .execution_item import ExecutionItem
from .execution_item_execution_context import ExecutionItemExecutionContext
from .execution_item_page import ExecutionItemPage
from .execution_item_trigger_data import ExecutionItemTriggerData
from .execution_links import ExecutionLinks
from .execution_start_request import ExecutionStartRequest
from .execution_start_request_execution_context import ExecutionStartRequestExecutionContext
from .execution_start_request_trigger_data import ExecutionStartRequestTriggerData
from .execution_status import ExecutionStatus
from .execution_trigger_data import ExecutionTriggerData
from .failure_group import FailureGroup
from .failure_group_list_envelope import FailureGroupListEnvelope
from .failure_links import FailureLinks
from .get_execution_expand import GetExecutionExpand
from .get_rule_execution_expand import GetRuleExecutionExpand
from .link import Link
from .link_method import LinkMethod
from .list_executions_status_item import ListExecutionsStatusItem
from .list_logs_level_item import ListLogsLevelItem
from .list_rule_executions_status_item import ListRuleExecutionsStatusItem
from .list_webhook_deliveries_status import ListWebhookDeliveriesStatus
from .list_webhook_deliveries_type import ListWebhookDeliveriesType
from .log_entry_request import LogEntryRequest
from .log_entry_request_metadata import LogEntryRequestMetadata
from .log_level import LogLevel
from .log_line import LogLine
from .log_line_metadata import LogLineMetadata
from .log_line_page import LogLinePage
from .logs_append_request import LogsAppendRequest
from .logs_appended import LogsAppended
from .logs_appended_envelope import LogsAppendedEnvelope
from .outcome_enum import OutcomeEnum
from .pagination import Pagination
from .patched_execution_report_request import PatchedExecutionReportRequest
from .patched_execution_report_request_execution_context import PatchedExecutionReportRequestExecutionContext
from .patched_rule_input_request import PatchedRuleInputRequest
from .patched_step_update_request import PatchedStepUpdateRequest
from .patched_webhook_input_request import PatchedWebhookInputRequest
from .problem import Problem
from .problem_errors import ProblemErrors
from .rule import Rule
from .rule_actions_item import RuleActionsItem
from .rule_envelope import RuleEnvelope
from .rule_input_request import RuleInputRequest
from .rule_links import RuleLinks
from .rule_page import RulePage
from .step import Step
from .step_create_request import StepCreateRequest
from .step_envelope import StepEnvelope
from .step_list_envelope import StepListEnvelope
from .step_status import StepStatus
from .webhook import Webhook
from .webhook_envelope import WebhookEnvelope
from .webhook_input_request import WebhookInputRequest
from .webhook_links import WebhookLinks
from .webhook_page import WebhookPage
from .webhook_with_secret import WebhookWithSecret
from .webhook_with_secret_envelope import WebhookWithSecretEnvelope

__all__ = (
    "ActionRequest",
    "ApiRoot",
    "ApiRootEnvelope",
    "ApiRootLinks",
    "BulkCancelRequest",
    "BulkCancelRequestFilter",
    "BulkResult",
    "BulkResultEnvelope",
    "BulkResultItem",
    "BulkResultSkipped",
    "BulkRetryRequest",
    "BulkRetryRequestFilter",
    "CancelRequest",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryDetail",
    "DeliveryDetailEnvelope",
    "DeliveryEnvelope",
    "DeliveryLinks",
    "DeliveryPage",
    "DeliveryStatus",
    "DeliveryType",
    "Event",
    "EventData",
    "EventListEnvelope",
    "EventsEnum",
    "EventType",
    "Execution",
    "ExecutionEnvelope",
    "ExecutionExecutionContext",
    "ExecutionItem",
    "ExecutionItemExecutionContext",
    "ExecutionItemPage",
    "ExecutionItemTriggerData",
    "ExecutionLinks",
    "ExecutionStartRequest",
    "ExecutionStartRequestExecutionContext",
    "ExecutionStartRequestTriggerData",
    "ExecutionStatus",
    "ExecutionTriggerData",
    "FailureGroup",
    "FailureGroupListEnvelope",
    "FailureLinks",
    "GetExecutionExpand",
    "GetRuleExecutionExpand",
    "Link",
    "LinkMethod",
    "ListExecutionsStatusItem",
    "ListLogsLevelItem",
    "ListRuleExecutionsStatusItem",
    "ListWebhookDeliveriesStatus",
    "ListWebhookDeliveriesType",
    "LogEntryRequest",
    "LogEntryRequestMetadata",
    "LogLevel",
    "LogLine",
    "LogLineMetadata",
    "LogLinePage",
    "LogsAppended",
    "LogsAppendedEnvelope",
    "LogsAppendRequest",
    "OutcomeEnum",
    "Pagination",
    "PatchedExecutionReportRequest",
    "PatchedExecutionReportRequestExecutionContext",
    "PatchedRuleInputRequest",
    "PatchedStepUpdateRequest",
    "PatchedWebhookInputRequest",
    "Problem",
    "ProblemErrors",
    "Rule",
    "RuleActionsItem",
    "RuleEnvelope",
    "RuleInputRequest",
    "RuleLinks",
    "RulePage",
    "Step",
    "StepCreateRequest",
    "StepEnvelope",
    "StepListEnvelope",
    "StepStatus",
    "Webhook",
    "WebhookEnvelope",
    "WebhookInputRequest",
    "WebhookLinks",
    "WebhookPage",
    "WebhookWithSecret",
    "WebhookWithSecretEnvelope",
)
