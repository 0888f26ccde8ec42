"""告警规则与通知 the alarm rule editor: rules of every kind, notification channels, a test message.

Routes read the form, call :mod:`zeropark.services.alarm_rules` (scope, validation, audit,
secrets masked) and render; an enterprise user edits its own meters' rules and its own channels.
Included before :mod:`zeropark.web.pages.alarms`, whose ``/alarms/{id}/{action}`` would
otherwise take ``/alarms/rules/…``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from zeropark.errors import NotFound, PermissionDenied, ValidationError
from zeropark.services import alarm_rules as service
from zeropark.store.queries import meters
from zeropark.web.context import Page, PageDep
from zeropark.web.pages.common import error_page, not_found_page

router = APIRouter(include_in_schema=False)

#: Every parameter field of the editor (``p_<name>`` in the form), in display order.
PARAM_FIELDS: tuple[str, ...] = (
    "bucket",
    "max",
    "min",
    "max_change_pct",
    "max_change",
    "intervals",
    "min_completeness_pct",
    "max_flagged_pct",
    "tolerance_pct",
    "lookback_h",
)


def _ids(form: FormData, name: str) -> list[int]:
    out = []
    for v in form.getlist(name):
        try:
            out.append(int(str(v)))
        except ValueError:
            continue
    return out


def _rule_form(form: FormData) -> service.RuleForm:
    kind = str(form.get("kind", ""))
    spec = service.RULE_PARAMS.get(kind, {})
    params = {k: str(form.get(f"p_{k}", "")) for k in PARAM_FIELDS if k in spec}
    return service.RuleForm(
        meter_id=str(form.get("meter_id", "")),
        kind=kind,
        params=params,
        name=str(form.get("name", "")),
        severity=str(form.get("severity", "warning")),
        channel_ids=_ids(form, "channel_ids"),
        escalate_after_min=str(form.get("escalate_after_min", "")),
        escalate_channel_ids=_ids(form, "escalate_channel_ids"),
        enabled=form.get("enabled") == "on",
    )


def _channel_form(form: FormData) -> service.ChannelForm:
    return service.ChannelForm(
        kind=str(form.get("kind", "")),
        name=str(form.get("name", "")),
        target=str(form.get("target", "")),
        secret=str(form.get("secret", "")),
        host=str(form.get("host", "")),
        port=str(form.get("port", "")) or None,
        username=str(form.get("username", "")),
        sender=str(form.get("sender", "")),
        starttls=form.get("starttls") == "on",
        enabled=form.get("enabled", "on") == "on",
    )


def _errors(exc: ValidationError) -> list[str]:
    return [f"{e.field}: {e.message}" for e in exc.errors]


def _render(page: Page, *, status_code: int = 200, **ctx: Any) -> Response:
    assert page.park is not None
    rules = service.rules(page.scope, page.park.id)
    channels = service.channels(page.scope, page.park.id)
    edit_id = ctx.pop("edit_rule", None)
    edit = next((r for r in rules if r.id == edit_id), None)
    edit_channel_id = ctx.pop("edit_channel", None)
    edit_channel = next((c for c in channels if c.id == edit_channel_id), None)
    return page.render(
        "alarm_rules.html",
        "alarms",
        "alarm_rules",
        status_code=status_code,
        rules=rules,
        channels=channels,
        channel_names={c.id: c.name for c in channels},
        meters=meters.meters(page.scope, page.park.id),
        kinds=service.RULE_KINDS,
        severities=service.RULE_SEVERITIES,
        channel_kinds=service.CHANNEL_KINDS,
        param_fields=PARAM_FIELDS,
        params_of={k: list(v) for k, v in service.RULE_PARAMS.items()},
        edit=edit,
        edit_channel=edit_channel,
        done=page.request.query_params.get("done", ""),
        test_result=ctx.pop("test_result", None),
        **ctx,
    )


@router.get("/alarms/rules", response_class=HTMLResponse)
def rules_page(page: PageDep, edit: int | None = None, edit_channel: int | None = None) -> Response:
    """告警规则与通知: the park's (or the enterprise's) rules and channels, with the editor."""
    if page.park is None:
        return page.render("alarm_rules.html", "alarms", "alarm_rules", rules=[], channels=[])
    return _render(page, edit_rule=edit, edit_channel=edit_channel)


async def _save(page: Page, what: str, item_id: int | None) -> Response:
    if page.park is None:
        raise HTTPException(status_code=404)
    form = await page.request.form()
    try:
        if what == "rule":
            rule = service.save_rule(page.scope, page.park.id, _rule_form(form), item_id)
            done = f"rule:{rule.id}"
        else:
            channel = service.save_channel(page.scope, page.park.id, _channel_form(form), item_id)
            done = f"channel:{channel.id}"
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    except ValidationError as exc:
        key = "rule_errors" if what == "rule" else "channel_errors"
        form_key = "rule_form" if what == "rule" else "channel_form"
        shown = {k: str(v) for k, v in form.items() if k not in ("secret", "target", "csrf_token")}
        return _render(
            page,
            status_code=422,
            **{key: _errors(exc), form_key: shown},
            edit_rule=item_id if what == "rule" else None,
            edit_channel=item_id if what == "channel" else None,
        )
    return RedirectResponse(f"/alarms/rules?done={quote(done)}", status_code=303)


@router.post("/alarms/rules", response_class=HTMLResponse)
async def rule_create(page: PageDep) -> Response:
    """新建规则 (CSRF checked by the auth layer; audited)."""
    return await _save(page, "rule", None)


@router.post("/alarms/rules/{rule_id}", response_class=HTMLResponse)
async def rule_update(page: PageDep, rule_id: int) -> Response:
    """修改规则 (audited with before and after)."""
    return await _save(page, "rule", rule_id)


@router.post("/alarms/rules/{rule_id}/delete", response_class=HTMLResponse)
def rule_delete(page: PageDep, rule_id: int) -> Response:
    """删除规则 (its alarms stay; audited)."""
    try:
        service.delete_rule(page.scope, rule_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    return RedirectResponse("/alarms/rules?done=deleted", status_code=303)


@router.post("/alarms/channels", response_class=HTMLResponse)
async def channel_create(page: PageDep) -> Response:
    """新建通知渠道 (secrets stored, never shown back; audited masked)."""
    return await _save(page, "channel", None)


@router.post("/alarms/channels/{channel_id}", response_class=HTMLResponse)
async def channel_update(page: PageDep, channel_id: int) -> Response:
    """修改通知渠道 (an empty URL or secret keeps the stored one)."""
    return await _save(page, "channel", channel_id)


@router.post("/alarms/channels/{channel_id}/{action}", response_class=HTMLResponse)
def channel_action(page: PageDep, channel_id: int, action: str) -> Response:
    """删除 (``delete``) or 发送测试 (``test``) a channel."""
    if action not in ("delete", "test") or page.park is None:
        raise HTTPException(status_code=404)
    try:
        if action == "delete":
            service.delete_channel(page.scope, channel_id)
            return RedirectResponse("/alarms/rules?done=deleted", status_code=303)
        error = service.send_test(page.scope, channel_id)
    except NotFound as exc:
        return not_found_page(page, exc)
    except PermissionDenied as exc:
        return error_page(page, 403, "forbidden", "", str(exc))
    return _render(page, test_result=(channel_id, error))
