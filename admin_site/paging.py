"""Lists too long to count: pages with Previous and Next and no page count.

Unfold's InfinitePaginator never counts the rows (a count of a million-row table costs
more than the page), so it cannot tell that a page is past the end: an address kept from
a longer list, or typed, showed an empty list with only "Previous". Such a page now goes
back to the first page of the same search and filters, saying why.
"""

from django.contrib import messages
from django.contrib.admin.views.main import PAGE_VAR
from django.http import HttpResponseRedirect
from django.utils.translation import gettext
from unfold.paginator import InfinitePage, InfinitePaginator


class ProbedPage(InfinitePage):
    """A page that knows whether another follows. Unfold's says yes whenever it has rows,
    so the member pickers (select2, through the admin's autocomplete) offered to load more
    after a single match. A short page is the last; a full one asks for one row more."""

    def has_next(self):
        rows = len(self.object_list)
        if rows < self.paginator.per_page:
            return False
        after = self.number * self.paginator.per_page
        return self.paginator.object_list[after : after + 1].exists()


class UncountedPaginator(InfinitePaginator):
    def _get_page(self, *args, **kwargs):
        return ProbedPage(*args, **kwargs)


class UncountedPages:
    """ModelAdmin mixin: paged without a count, a page past the end sends to page one."""

    paginator = UncountedPaginator
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", None) and response.context_data.get("cl")
        # Evaluating the page's rows here fills the queryset's cache: no second query.
        if cl is not None and cl.page_num > 1 and not cl.result_list:
            messages.info(
                request,
                gettext("Page %(page)s is past the end of the list: here is the first page.")
                % {"page": cl.page_num},
            )
            query = request.GET.copy()  # every filter, repeated ones too
            del query[PAGE_VAR]
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        return response
