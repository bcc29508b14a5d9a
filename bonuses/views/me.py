"""The member's own page. No URL here takes a member id: the member is the logged-in
user's, and a tree branch is named by its path below the member's own path, so it can
only ever name someone in the member's downline."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from bonuses.forms import NameSponsorForm
from bonuses.models import Member, SponsorRequest
from bonuses.selectors import downline_branch, member_page
from bonuses.selectors.funnel import member_funnel
from bonuses.selectors.sponsor_requests import latest_sponsor_request
from bonuses.services import sponsor_request_create
from bonuses.services.plans import all_plan_terms, terms_in_force
from core.links import referral_url
from core.periods import current_period, parse_month
from core.qr import qr_svg

from .claims import no_member_page
from .limits import SPONSOR_REQUEST, limit, logged_in_user, posted


def _own_member(request) -> Member | None:
    """The logged-in user's member, with their sponsor (the page names them): loaded with
    the user by bonuses.auth.MemberBackend, else one query."""
    try:
        return request.user.member
    except Member.DoesNotExist:
        return None


def branch_key(viewer: Member, node_path: str) -> str:
    """The key of a branch: its path relative to the viewer's (never an id)."""
    return node_path[len(viewer.path) :]


def tree_context(viewer: Member, branch) -> dict:
    """What bonuses/tree_branch.html and the pages' trees need of a Branch: its nodes
    with the keys of those that open, and the keys that ask for its next page."""
    return {
        "nodes": [
            (node, branch_key(viewer, node.path) if node.children else "") for node in branch.nodes
        ],
        "more": branch.more,
        "parent_key": branch_key(viewer, branch.parent_path),
        "after_key": branch_key(viewer, branch.last_path) if branch.last_path else "",
    }


def _sponsor_context(member: Member, form=None) -> dict:
    """The sponsor card: the member's latest request and, when they may ask, the form."""
    request = latest_sponsor_request(member) if member.sponsor_id is None else None
    pending = request is not None and request.status == SponsorRequest.Status.PENDING
    may_ask = member.sponsor_id is None and not pending
    return {
        "sponsor_request": request,
        "sponsor_form": (form or NameSponsorForm()) if may_ask else None,
    }


def _asked_month(request):
    """?month=YYYY-MM from the history's links: a past month, else None (this month)."""
    try:
        month = parse_month(request.GET.get("month") or "")
    except ValueError:
        return None
    return month if month < current_period() else None


@login_required
def me(request):
    member = _own_member(request)
    if member is None:
        if request.user.is_staff:
            return redirect("admin:index")  # staff log in at /login/ too: their page is there
        return no_member_page(request)
    page = member_page(member=member, month=_asked_month(request))
    link = referral_url(member.referral_code)
    context = {
        "member": member,
        "page": page,
        "statement": page.statement,
        "balance": page.balance,
        "link": link,
        **tree_context(member, page.downline),
        **_sponsor_context(member),
        **_funnel_context(member, link),
    }
    return render(request, "bonuses/me.html", context)


def _funnel_context(member: Member, link: str) -> dict:
    """The referral funnel card (bonuses/me_funnel.html): this month's figures, the last
    12 months and the link as a QR code. Three queries."""
    return {
        "funnel": member_funnel(member=member),
        "qr": qr_svg(link, label=gettext("Your referral link")),
    }


CARD_LAYOUTS = ("card", "sheet")


def referral_cards(request, cards: list[dict], layout: str):
    """The print page of referral cards, for a member's own card or staff's selection:
    each card holds only what the member page shows (first name, link, QR code)."""
    if layout not in CARD_LAYOUTS:
        layout = "card"
    return render(request, "bonuses/cards.html", {"cards": cards, "layout": layout})


def card_of(member: Member) -> dict:
    link = referral_url(member.referral_code)
    return {"name": member.first_name, "link": link, "qr": qr_svg(link)}


@login_required
def card(request):
    """ "Print my card": the member's own referral card, one per page for a card printer
    (85.6 x 54 mm) or `?layout=sheet`, an A4 sheet of ten."""
    member = _own_member(request)
    if member is None:
        raise Http404
    layout = request.GET.get("layout", "card")
    count = 10 if layout == "sheet" else 1
    return referral_cards(request, [card_of(member)] * count, layout)


@login_required
def tree(request, key: str = ""):
    """A branch of the member's own downline, as an HTML fragment for the page's tree;
    ?after=<key> for its next page ("Show more")."""
    member = _own_member(request)
    if member is None:
        raise Http404
    levels = terms_in_force(all_plan_terms(), current_period()).levels
    after = request.GET.get("after", "")
    branch = downline_branch(root=member, key=key, levels=levels, after=after)
    if branch is None or not (key or after):
        raise Http404
    return render(request, "bonuses/tree_branch.html", tree_context(member, branch))


@login_required
@limit(SPONSOR_REQUEST, logged_in_user, posted("sponsor"))
def name_sponsor(request):
    """ "Who invited you?": a request to the staff, answered the same way whoever it
    names (bonuses.services.sponsor_requests)."""
    member = _own_member(request)
    if member is None:
        raise Http404
    form = NameSponsorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sponsor_request_create(member=member, text=form.cleaned_data["sponsor"])
        except ValidationError as error:
            for message in error.message_dict.get("sponsor", error.messages):
                form.add_error("sponsor", message)
        else:
            return redirect(reverse("bonuses:me") + "#sponsor")
    context = {"member": member, **_sponsor_context(member, form)}
    return render(request, "bonuses/name_sponsor.html", context)
