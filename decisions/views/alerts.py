"""The alerts' pages: subscribe (from the search, case, person and committee pages), confirm,
unsubscribe (a page, a form, and the one-click POST of RFC 8058), and an address's own page.

The subscribe form sits on public pages that are cached whole for every visitor
(decisions.caching), so it carries no per-visitor CSRF token; its POST is accepted only from
this site's own pages, by the browser's Origin (or Referer) and Sec-Fetch-Site headers, as
Django's CSRF check does first. The address's own page is personal and uses Django's CSRF token.
Unsubscribe links carry a signed token: a mail program POSTs to them without any cookie."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from archive.logins import client_ip
from decisions.alerts import subscriptions, targets
from decisions.alerts.forms import ManageLinkForm, ScheduleForm, SubscribeForm
from decisions.models import AlertSubscription


def _same_origin(request: HttpRequest) -> bool:
    """Sent by a page of this site (or of CSRF_TRUSTED_ORIGINS), as the browser tells."""
    allowed = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin in allowed
    referer = urlsplit(request.headers.get("Referer", ""))
    return bool(referer.scheme) and f"{referer.scheme}://{referer.netloc}" in allowed


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/alert_refused.html", status=403)


def _limited(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/alert_limited.html", status=429)


def _subscribe_page(request: HttpRequest, *, form, target, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "target": targets.describe(AlertSubscription(**target.fields())) if target else "",
        "fields": targets.form_fields(target) if target else [],
    }
    return render(request, "decisions/alert_subscribe.html", context, status=status)


@csrf_exempt  # see the module's docstring: checked by _same_origin instead
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        try:
            target = targets.target_from_data(request.GET)
        except targets.InvalidTarget as invalid:
            return _subscribe_page(request, form=None, target=None, error=invalid.message, status=400)
        return _subscribe_page(request, form=SubscribeForm(), target=target)
    if not _same_origin(request):
        return _refused(request)
    if not subscriptions.client_within_limit(client_ip(request)):
        return _limited(request)
    form = SubscribeForm(request.POST)
    try:
        target = targets.target_from_data(request.POST)
    except targets.InvalidTarget as invalid:
        return _subscribe_page(request, form=form, target=None, error=invalid.message, status=400)
    if not form.is_valid():
        return _subscribe_page(request, form=form, target=target, status=400)
    if not form.is_bot:
        subscriptions.subscribe(email=form.cleaned_data["email"], target=target, schedule=form.cleaned_data["schedule"])
    # The same answer whatever was done: sent, already following, too many e-mails, a bot.
    return redirect("decisions:alert-sent")


def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/alert_sent.html")


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "decisions/alert_invalid_link.html", {"form": ManageLinkForm()}, status=404)


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscription = subscriptions.subscription_to_confirm(token)
    if subscription is None:
        return _invalid_link(request)
    subscription = subscriptions.confirm(subscription)
    context = {
        "subscription": subscription,
        "target": targets.describe(subscription),
        "manage_token": subscriptions.manage_token(subscription.address),
    }
    return render(request, "decisions/alert_confirmed.html", context)


@csrf_exempt  # the signed token is the authority; RFC 8058 POSTs come from mail programs
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscription = subscriptions.subscription_to_end(token)
    if subscription is None:  # ended before (or never was): ending it again changes nothing
        return render(request, "decisions/alert_ended.html", {"gone": True})
    context = {"subscription": subscription, "target": targets.describe(subscription)}
    if request.method == "POST":
        subscriptions.end(subscription)
        return render(request, "decisions/alert_ended.html", context)
    return render(request, "decisions/alert_unsubscribe.html", context)


@csrf_exempt  # as unsubscribe
@require_http_methods(["GET", "POST"])
def end_all(request: HttpRequest, token: str) -> HttpResponse:
    address = subscriptions.address_to_end(token)
    if address is None:
        return render(request, "decisions/alert_ended.html", {"gone": True, "all": True})
    if request.method == "POST":
        subscriptions.end_all(address)
        return render(request, "decisions/alert_ended.html", {"all": True})
    count = address.subscriptions.count()
    return render(request, "decisions/alert_unsubscribe.html", {"all": True, "count": count})


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    address = subscriptions.address_to_manage(token)
    if address is None:
        return _invalid_link(request)
    if request.method == "POST":
        raw = request.POST.get("subscription", "").strip()
        number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else None
        subscription = address.subscriptions.filter(pk=number).first() if number else None
        action = request.POST.get("action")
        if action == "end-all":
            subscriptions.end_all(address)
            return render(request, "decisions/alert_ended.html", {"all": True})
        if subscription is None:
            return render(request, "decisions/alert_invalid_link.html", {"form": ManageLinkForm()}, status=400)
        if action == "end":
            subscriptions.end(subscription)
            if not AlertSubscription.objects.filter(address_id=address.pk).exists():
                return render(request, "decisions/alert_ended.html", {"all": True})
        else:
            form = ScheduleForm(request.POST)
            if form.is_valid():
                subscriptions.change_schedule(subscription, form.cleaned_data["schedule"])
        return redirect("decisions:alert-manage", token=token)
    followed = address.subscriptions.select_related(
        "case__municipality", "person__municipality", "committee__municipality"
    ).order_by("created_at", "pk")
    rows = [
        (one, targets.describe(one), ScheduleForm(initial={"schedule": one.schedule}), targets.search_parameters(one))
        for one in followed
    ]
    return render(request, "decisions/alert_manage.html", {"address": address, "rows": rows})


@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    """A new link to an address's page, e-mailed if the address follows anything."""
    if request.method == "GET":
        return render(request, "decisions/alert_request_link.html", {"form": ManageLinkForm()})
    if not subscriptions.client_within_limit(client_ip(request)):
        return _limited(request)
    form = ManageLinkForm(request.POST)
    if not form.is_valid():
        return render(request, "decisions/alert_request_link.html", {"form": form}, status=400)
    if not form.is_bot:
        subscriptions.request_manage_link(email=form.cleaned_data["email"])
    return redirect("decisions:alert-sent")
