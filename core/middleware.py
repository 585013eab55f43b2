class FrenchFirstMiddleware:
    """French unless the visitor picked another language with the switch.

    Public computers in associations often run an English browser; the portal must
    still open in French. The explicit choice is kept in the language cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RefuseTraceMiddleware:
    """TRACE (and its old cousin TRACK) echo requests back, cookies included: answer 405 before any view."""

    REFUSED = frozenset({"TRACE", "TRACK"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in self.REFUSED:
            from django.http import HttpResponseNotAllowed

            return HttpResponseNotAllowed(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        return self.get_response(request)


class RetryAfterMiddleware:
    """Every 429 (allauth's, django-ratelimit's, any view's) tells the client when to try again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            from django.conf import settings

            response["Retry-After"] = str(settings.RATE_LIMIT_RETRY_AFTER_SECONDS)
        return response
