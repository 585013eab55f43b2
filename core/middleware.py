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
