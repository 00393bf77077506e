"""Webhook endpoints and their delivery log."""

from __future__ import annotations

from flask import Response

from exchange import schemas
from exchange.api import webhooks
from exchange.api.framework import endpoint
from exchange.api.serializers import DeliveryOut, WebhookCreatedOut, WebhookOut


class DeliveryQuery(schemas.InputSchema):
    before = schemas.integer(minimum=1, maximum=2**31 - 1, metadata={"description": "Deliveries older than this id"})
    limit = schemas.integer(minimum=1, maximum=200, load_default=50)


@endpoint("/webhooks", summary="Our webhook endpoints", tag="webhooks", scope="webhooks:manage", response=WebhookOut, many=True)
def list_webhooks(actor, session):
    return webhooks.list_endpoints(session, actor)


@endpoint("/webhooks", "POST", summary="Register an HTTPS endpoint for event types", tag="webhooks", scope="webhooks:manage",
          body=webhooks.WebhookSchema, response=WebhookCreatedOut, status=201)
def create_webhook(actor, session, body):
    """The answer carries the signing `secret` once. Each delivery is a POST with `X-Birzha-Timestamp` and
    `X-Birzha-Signature: sha256=HMAC_SHA256(secret, timestamp + "." + body)`; answer 2xx within 10 s.
    Failed deliveries are retried with back-off (30 s … 6 h); after repeated failures the endpoint is
    disabled and the organisation's owners get an e-mail."""
    return webhooks.create_endpoint(session, actor, body)


@endpoint("/webhooks/<int:webhook_id>", "DELETE", summary="Remove a webhook endpoint", tag="webhooks", scope="webhooks:manage",
          status=204, response_content=())
def delete_webhook(actor, session, webhook_id):
    webhooks.delete_endpoint(session, actor, webhook_id)
    return Response(status=204)


@endpoint("/webhooks/<int:webhook_id>/enable", "POST", summary="Switch a disabled endpoint back on", tag="webhooks",
          scope="webhooks:manage", response=WebhookOut)
def enable_webhook(actor, session, webhook_id):
    return webhooks.enable_endpoint(session, actor, webhook_id)


@endpoint("/webhooks/<int:webhook_id>/deliveries", summary="Recent deliveries with the receiver's answers", tag="webhooks",
          scope="webhooks:manage", query=DeliveryQuery, response=DeliveryOut, many=True)
def webhook_deliveries(actor, session, webhook_id, query):
    return webhooks.deliveries(session, actor, webhook_id, before=query.get("before"), limit=query["limit"])
