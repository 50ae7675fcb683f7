"""``/healthz`` for load balancers and process managers."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from chat.models import Room


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers and reaches its database."""
    Room.objects.exists()
    return JsonResponse({"status": "ok"})
