from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """``?page=2``, ``?page_size=100`` (200 at most): every list is paginated."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
