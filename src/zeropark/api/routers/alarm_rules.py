"""Alarm rules and notification channels (告警规则, 通知渠道): the same use cases as the web page.

An enterprise user lists and edits only its own meters' rules and its own channels; secrets
(webhook keys, 钉钉 signing secrets, SMTP passwords) go in and never come back out.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from zeropark.api.auth import WRITERS, GuardedRoute, ScopeDep
from zeropark.api.paging import IntId
from zeropark.api.schemas import AlarmRuleIn, AlarmRuleOut, ChannelIn, ChannelOut
from zeropark.services import alarm_rules as service

router = APIRouter(route_class=GuardedRoute, tags=["alarms 告警"])


def _rule_form(body: AlarmRuleIn) -> service.RuleForm:
    return service.RuleForm(
        meter_id=body.meter_id,
        kind=body.kind,
        params=body.params,
        name=body.name,
        severity=body.severity,
        channel_ids=body.channel_ids,
        escalate_after_min=body.escalate_after_min,
        escalate_channel_ids=body.escalate_channel_ids,
        enabled=body.enabled,
    )


def _channel_form(body: ChannelIn) -> service.ChannelForm:
    return service.ChannelForm(**body.model_dump())


@router.get("/parks/{park_id}/alarm-rules", response_model=list[AlarmRuleOut])
def list_rules(park_id: str, scope: ScopeDep) -> list[AlarmRuleOut]:
    """Alarm rules of a park inside the caller's scope. 告警规则."""
    return [AlarmRuleOut.model_validate(r) for r in service.rules(scope, park_id)]


@router.post(
    "/parks/{park_id}/alarm-rules", response_model=AlarmRuleOut, status_code=201, dependencies=[WRITERS]
)
def create_rule(park_id: str, body: AlarmRuleIn, scope: ScopeDep) -> AlarmRuleOut:
    """Create a rule (audited); a wrong parameter answers 422 naming the field. 新建告警规则."""
    return AlarmRuleOut.model_validate(service.save_rule(scope, park_id, _rule_form(body)))


@router.put("/parks/{park_id}/alarm-rules/{rule_id}", response_model=AlarmRuleOut, dependencies=[WRITERS])
def replace_rule(park_id: str, rule_id: IntId, body: AlarmRuleIn, scope: ScopeDep) -> AlarmRuleOut:
    """Replace a rule (audited with before and after). 修改告警规则."""
    return AlarmRuleOut.model_validate(service.save_rule(scope, park_id, _rule_form(body), rule_id))


@router.delete("/alarm-rules/{rule_id}", status_code=204, dependencies=[WRITERS])
def delete_rule(rule_id: IntId, scope: ScopeDep) -> Response:
    """Delete a rule (its alarms stay; audited). 删除告警规则."""
    service.delete_rule(scope, rule_id)
    return Response(status_code=204)


@router.get("/parks/{park_id}/alarm-channels", response_model=list[ChannelOut])
def list_channels(park_id: str, scope: ScopeDep) -> list[ChannelOut]:
    """Notification channels inside the caller's scope, masked. 通知渠道."""
    return [ChannelOut.model_validate(c) for c in service.channels(scope, park_id)]


@router.post(
    "/parks/{park_id}/alarm-channels", response_model=ChannelOut, status_code=201, dependencies=[WRITERS]
)
def create_channel(park_id: str, body: ChannelIn, scope: ScopeDep) -> ChannelOut:
    """Create a channel (e-mail, wecom, dingtalk, webhook); answered masked. 新建通知渠道."""
    return ChannelOut.model_validate(service.save_channel(scope, park_id, _channel_form(body)))
