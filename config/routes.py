"""A request's route template (/api/v1/automation/executions/{execution_id}): what logs and
metrics name a request by. Bounded: one value per URL pattern, never a raw path or id."""

import re

GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:  # a middleware answered before the URL was resolved (413): resolve it now
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    route = GROUP.sub(r"{\1}", match.route)
    for noise in ("^", "$", "/?", "\\"):
        route = route.replace(noise, "")
    return "/" + route.lstrip("/")
