"""Refuse requests no page can mean: a NUL character in the path, a query or form key or
value. No form field, filter or id accepts one, PostgreSQL cannot store or even compare
one (the driver refuses the query: a 500 wherever a raw value reaches the database), and
browsers never send one unless told to. Answering 400 here closes that whole kind at once.
"""

from django.http import HttpResponseBadRequest

NUL = "\x00"


def _has_nul(querydict) -> bool:
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in querydict.lists()
    )


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path_info or _has_nul(request.GET):
            return HttpResponseBadRequest("NUL characters are not allowed.")
        if request.method == "POST" and _has_nul(request.POST):
            return HttpResponseBadRequest("NUL characters are not allowed.")
        return self.get_response(request)
