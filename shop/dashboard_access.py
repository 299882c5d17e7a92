"""Access rules for dashboard menu entries that point outside Oscar."""


def staff_can_use_admin(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """Show admin-backed menu entries to staff; the admin checks the rest.

    Oscar's default rule looks the URL up among dashboard apps and fails for
    admin URLs, so these entries need their own.
    """
    return bool(user.is_active and user.is_staff)


def can_see_flags(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """Show flagged links to staff and to producers' staff (partner users)."""
    return bool(
        user.is_active and (user.is_staff or user.has_perm("partner.dashboard_access"))
    )
