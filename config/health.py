from django.db import connection
from django.http import JsonResponse

from config.problems import problem_response


def healthz(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure to reach the database means not ready
        return problem_response(request, "unavailable", "The database cannot be reached.")
    return JsonResponse({"status": "ok", "database": "ok"})
