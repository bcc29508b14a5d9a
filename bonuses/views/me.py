"""The member's own page. No URL here takes a member id: the member is the logged-in
user's, and a tree branch is named by its path below the member's own path, so it can
only ever name someone in the member's downline."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from bonuses.forms import NameSponsorForm
from bonuses.models import Member
from bonuses.selectors import downline_branch, member_page
from bonuses.services import member_name_sponsor
from bonuses.services.plans import all_plan_terms, terms_in_force
from core.links import referral_url
from core.periods import current_period


def _own_member(request) -> Member | None:
    return Member.objects.filter(user=request.user).first()


def branch_key(viewer: Member, node_path: str) -> str:
    """The key of a branch: its path relative to the viewer's (never an id)."""
    return node_path[len(viewer.path) :]


def _with_keys(viewer: Member, nodes):
    return [(node, branch_key(viewer, node.path) if node.children else "") for node in nodes]


@login_required
def me(request):
    member = _own_member(request)
    if member is None:
        return render(request, "bonuses/no_member.html", status=403)
    page = member_page(member=member)
    link = referral_url(member.referral_code)
    context = {
        "member": member,
        "page": page,
        "statement": page.statement,
        "balance": page.balance,
        "link": link,
        "nodes": _with_keys(member, page.downline.nodes),
        "more": page.downline.more,
        "sponsor_form": NameSponsorForm() if member.sponsor_id is None else None,
    }
    return render(request, "bonuses/me.html", context)


@login_required
def tree(request, key: str):
    """A branch of the member's own downline, as an HTML fragment for the page's tree."""
    member = _own_member(request)
    if member is None:
        raise Http404
    levels = terms_in_force(all_plan_terms(), current_period()).levels
    branch = downline_branch(root=member, key=key, levels=levels)
    if branch is None:
        raise Http404
    context = {"nodes": _with_keys(member, branch.nodes), "more": branch.more}
    return render(request, "bonuses/tree_branch.html", context)


@login_required
def name_sponsor(request):
    member = _own_member(request)
    if member is None:
        raise Http404
    form = NameSponsorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member_name_sponsor(member=member, text=form.cleaned_data["sponsor"])
        except ValidationError as error:
            for message in error.message_dict.get("sponsor", error.messages):
                form.add_error("sponsor", message)
        else:
            return redirect("bonuses:me")
    return render(request, "bonuses/name_sponsor.html", {"form": form, "member": member})
