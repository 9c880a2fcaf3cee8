"""A local Stripe for the billing tests: localstripe 1.15.10 plus what it lacks.

Usage: python standin.py PORT   (started by ensure_stripe in scripts/services.sh)

localstripe keeps customers, plans (our `price_…` ids are plan ids there), subscriptions and
invoices, and signs its webhooks. It has no Checkout, no Billing Portal and no meter events, so
those are fixture routes here, kept in memory and shaped like Stripe's objects. Every request to
a fixture route is recorded for the tests: GET /_standin/requests (DELETE clears it).
POST /_standin/subscriptions/{id}/status (status=past_due…) plays a failed or recovered renewal.

What differs from Stripe, and is mended here rather than in the tests:
- objects lack fields Stripe always sends (an invoice's number and URLs, a subscription item's
  price and period): filled in by `mend`, in answers and in webhook events alike;
- localstripe never says `trialing`: a subscription with a trial and no invoice yet reads as
  trialing (its stored status stays `incomplete`, so `?status=trialing` finds nothing);
- localstripe sends no `customer.subscription.updated`: sent here after each update, with
  `previous_attributes`;
- its 404s say only "Not Found": given Stripe's message and `resource_missing` code here.
"""

import json
import secrets
import sys
import time

from aiohttp import web
from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import Customer, Event, Plan, Store, Subscription, store
from localstripe.server import app, get_post_data
from localstripe.webhooks import schedule_webhook

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"

# Its CLI reloads and rewrites a pickle in /tmp on every change; each run starts empty.
Store.dump_to_disk = lambda self: None


# --- Fields Stripe always sends -----------------------------------------------------------


def _price(plan):
    """The price Stripe shows beside a legacy plan (same id, same amount)."""
    return {
        "id": plan["id"], "object": "price", "active": plan.get("active", True),
        "currency": plan["currency"], "unit_amount": plan.get("amount"),
        "product": plan.get("product"), "metadata": plan.get("metadata") or {},
        "recurring": {"interval": plan["interval"], "interval_count": plan.get("interval_count", 1),
                      "usage_type": plan.get("usage_type", "licensed")},
        "type": "recurring", "livemode": False, "created": plan.get("created"),
    }


def _mend_subscription(o):
    if o.get("status") == "incomplete" and not o.get("latest_invoice") and (
            o.get("trial_end") or o.get("trial_period_days")):
        start = o.get("start_date") or o.get("created")
        o["status"] = "trialing"
        o["trial_start"] = o.get("trial_start") or start
        o["trial_end"] = o.get("trial_end") or start + int(o["trial_period_days"]) * 86400
    for item in (o.get("items") or {}).get("data") or []:
        if isinstance(item.get("plan"), dict):
            item.setdefault("price", _price(item["plan"]))
        # Since API 2025-03-31 the period is the item's; localstripe has it on the subscription.
        item.setdefault("current_period_start", o.get("current_period_start"))
        item.setdefault("current_period_end", o.get("current_period_end"))
        item.setdefault("subscription", o.get("id"))


def _mend_invoice(o):
    # Stripe numbers an invoice (and gives it pages) when it is finalized, not as a draft.
    final = o.get("status") != "draft"
    o.setdefault("number", f"LOCAL-{o['id'][3:11].upper()}" if final else None)
    o.setdefault("hosted_invoice_url", f"{BASE}/_standin/invoices/{o['id']}" if final else None)
    o.setdefault("invoice_pdf", f"{BASE}/_standin/invoices/{o['id']}/pdf" if final else None)
    # Stripe copies the subscription's metadata onto its invoices (parent.subscription_details),
    # which is how a receiver finds the tenant of an invoice that arrives before the
    # subscription's own event.
    sub = o.get("subscription")
    if isinstance(sub, str):
        parent = o.setdefault("parent", {}) or {}
        o["parent"] = parent
        details = parent.setdefault("subscription_details", {}) or {}
        parent["subscription_details"] = details
        details.setdefault("subscription", sub)
        if "metadata" not in details:
            try:
                details["metadata"] = Subscription._api_retrieve(sub).metadata or {}
            except Exception:  # not stored yet (the invoice is made first): leave it out
                pass


MENDS = {
    "subscription": _mend_subscription,
    "invoice": _mend_invoice,
    "payment_intent": lambda o: [o.setdefault(k, v) for k, v in {
        "amount_capturable": 0, "confirmation_method": "automatic",
        "payment_method_types": ["card"],
        "amount_received": o.get("amount", 0) if o.get("status") == "succeeded" else 0}.items()],
}


def mend(x):
    if isinstance(x, dict):
        kind = x.get("object")  # an event's `data` holds the object under this key
        if isinstance(kind, str) and kind in MENDS:
            MENDS[kind](x)
        for v in x.values():
            mend(v)
    elif isinstance(x, list):
        for v in x:
            mend(v)
    return x


@web.middleware
async def mend_answers(request, handler):
    try:
        resp = await handler(request)
    except UserError as e:
        # localstripe's 404 is a bare "Not Found"; Stripe names what is missing, with a code.
        error = e.body["error"]
        parts = request.path.strip("/").split("/")
        if e.code == 404 and error.get("message") == "Not Found" and len(parts) == 3:
            error.update(message=f"No such {parts[1].rstrip('s')}: '{parts[2]}'",
                         code="resource_missing", param="id")
        raise
    if isinstance(resp, web.Response) and resp.content_type == "application/json" and resp.body:
        try:
            body = json.loads(resp.body)
        except ValueError:
            return resp
        return web.json_response(mend(body), status=resp.status)
    return resp


# An event's object is exported when the event is made; mend it there so webhooks match answers.
_event_init = Event.__init__


def _mended_event_init(self, type, data):
    _event_init(self, type, data)
    mend(self.data)


Event.__init__ = _mended_event_init

_subscription_update = Subscription._api_update.__func__


def _updated_with_event(cls, id, **data):
    before = mend(Subscription._api_retrieve(id)._export())
    obj = _subscription_update(cls, id, **data)
    event = Event("customer.subscription.updated", obj)
    after = event.data["object"]
    event.data["previous_attributes"] = {
        k: v for k, v in before.items() if after.get(k) != v and k != "items"}
    if before["items"]["data"][0]["price"]["id"] != after["items"]["data"][0]["price"]["id"]:
        event.data["previous_attributes"]["items"] = before["items"]
    schedule_webhook(event)
    return obj


Subscription._api_update = classmethod(_updated_with_event)


# --- Fixture routes ---------------------------------------------------------------------

checkout_sessions = {}
meter_identifiers = set()
requests_seen = []


def stripe_error(status, message, code=None, param=None):
    extra = {k: v for k, v in (("code", code), ("param", param)) if v}
    return UserError(status, message, extra)


def missing(param):
    return stripe_error(400, f"Missing required param: {param}.", "parameter_missing", param)


def customer_exists(id):
    return isinstance(id, str) and f"{Customer.object}:{id}" in store


async def recorded_form(request):
    form = await get_post_data(request) if request.method == "POST" else dict(request.query)
    form = form or {}
    requests_seen.append({"method": request.method, "path": request.path, "form": form})
    return form


async def create_checkout_session(request):
    form = await recorded_form(request)
    for param in ("mode", "success_url"):
        if not form.get(param):
            raise missing(param)
    customer = form.get("customer")
    if customer is not None and not customer_exists(customer):
        raise stripe_error(400, f"No such customer: '{customer}'", "resource_missing", "customer")
    # localstripe's plans stand in for prices: a price id the test never made is a test bug.
    for i, item in enumerate(form.get("line_items") or []):
        price = item.get("price") if isinstance(item, dict) else None
        if not price or f"{Plan.object}:{price}" not in store:
            raise stripe_error(400, f"No such price: '{price}'", "resource_missing",
                               f"line_items[{i}][price]")
    id = "cs_test_" + secrets.token_hex(12)
    checkout_sessions[id] = {
        "id": id, "object": "checkout.session", "url": f"{BASE}/_standin/checkout/{id}",
        "mode": form["mode"], "customer": customer, "customer_email": form.get("customer_email"),
        "client_reference_id": form.get("client_reference_id"),
        "metadata": form.get("metadata") or {}, "success_url": form["success_url"],
        "cancel_url": form.get("cancel_url"), "subscription": None, "status": "open",
        "payment_status": "unpaid", "created": int(time.time()), "livemode": False,
        "subscription_data": form.get("subscription_data"),
    }
    return web.json_response(checkout_sessions[id])


async def get_checkout_session(request):
    await recorded_form(request)
    id = request.match_info["id"]
    if id not in checkout_sessions:
        raise stripe_error(404, f"No such checkout.session: '{id}'", "resource_missing", "id")
    return web.json_response(checkout_sessions[id])


async def create_portal_session(request):
    form = await recorded_form(request)
    customer = form.get("customer")
    if not customer:
        raise missing("customer")
    if not customer_exists(customer):
        raise stripe_error(404, f"No such customer: '{customer}'", "resource_missing", "customer")
    id = "bps_" + secrets.token_hex(12)
    return web.json_response({
        "id": id, "object": "billing_portal.session", "url": f"{BASE}/_standin/portal/{id}",
        "customer": customer, "return_url": form.get("return_url"),
        "flow": form.get("flow_data"), "created": int(time.time()), "livemode": False,
    })


async def create_meter_event(request):
    form = await recorded_form(request)
    payload = form.get("payload") if isinstance(form.get("payload"), dict) else {}
    if not form.get("event_name"):
        raise missing("event_name")
    for key in ("stripe_customer_id", "value"):
        if not payload.get(key):
            raise missing(f"payload[{key}]")
    identifier = form.get("identifier") or secrets.token_hex(12)
    if identifier in meter_identifiers:
        raise stripe_error(400, f"An event already exists with identifier {identifier}.",
                           "resource_already_exists", "identifier")
    meter_identifiers.add(identifier)
    now = int(time.time())
    try:
        timestamp = int(form.get("timestamp") or now)
    except (TypeError, ValueError):
        raise stripe_error(400, "Invalid integer: timestamp", "parameter_invalid_integer", "timestamp")
    return web.json_response({
        "object": "billing.meter_event", "event_name": form["event_name"],
        "identifier": identifier, "payload": payload,
        "timestamp": timestamp, "created": now, "livemode": False,
    })


async def set_subscription_status(request):
    """What only time or a bank would do: a renewal fails (past_due, unpaid) or recovers.

    localstripe never runs a renewal, and a declined card on a manual invoice changes nothing
    and sends no event; this sets the status and sends customer.subscription.updated.
    """
    form = await recorded_form(request)
    id = request.match_info["id"]
    if f"{Subscription.object}:{id}" not in store:
        raise stripe_error(404, f"No such subscription: '{id}'", "resource_missing", "id")
    sub = Subscription._api_retrieve(id)
    before = mend(sub._export())["status"]
    if form.get("status") not in ("active", "past_due", "unpaid", "canceled", "incomplete",
                                  "incomplete_expired", "trialing"):
        raise stripe_error(400, "Invalid status", "parameter_invalid", "status")
    sub.status = form["status"]
    event = Event("customer.subscription.updated", sub)
    event.data["previous_attributes"] = {"status": before}
    schedule_webhook(event)
    return web.json_response(event.data["object"])


async def list_requests(request):
    return web.json_response(requests_seen)


async def clear_requests(request):
    requests_seen.clear()
    return web.json_response([])


async def landing_page(request):
    """Where a checkout, portal or invoice URL leads: a page saying what it stands for."""
    return web.Response(text=f"Stripe stand-in: {request.path}\n")


# /_standin/ is ours and open (a browser follows its URLs); the rest keeps localstripe's auth.
@web.middleware
async def auth(request, handler):
    if request.path.startswith("/_standin/"):
        return await handler(request)
    return await server.auth_middleware(request, handler)


app.middlewares[app.middlewares.index(server.auth_middleware)] = auth
app.middlewares.append(mend_answers)
app.router.add_post("/v1/checkout/sessions", create_checkout_session)
app.router.add_get("/v1/checkout/sessions/{id}", get_checkout_session)
app.router.add_post("/v1/billing_portal/sessions", create_portal_session)
app.router.add_post("/v1/billing/meter_events", create_meter_event)
app.router.add_post("/_standin/subscriptions/{id}/status", set_subscription_status)
app.router.add_get("/_standin/requests", list_requests)
app.router.add_delete("/_standin/requests", clear_requests)
for page in ("checkout/{id}", "portal/{id}", "invoices/{id}", "invoices/{id}/pdf"):
    app.router.add_get("/_standin/" + page, landing_page)

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=PORT, print=None)
