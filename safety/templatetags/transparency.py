"""``{% may_view_transparency as show %}``: the console index's link to the transparency page,
shown to those ``policy.may_view_transparency`` lets in (Safety leads)."""

from django import template

from safety import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def may_view_transparency(context) -> bool:
    request = context.get("request")
    return request is not None and bool(policy.may_view_transparency(request.user))
