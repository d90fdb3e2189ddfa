"""Who sees a namespace, and who changes it, as Glance decides.

A namespace is seen by administrators, by everyone when it is public or
has no owner, and by its owner's project.  It is changed (and what it
holds) by administrators and its owner, never by read-only callers; the
policy rules come on top.  A protected namespace and its contents cannot
be deleted until it is made unprotected.
"""

from glance.common import exception


def can_see(viewer, namespace):
    return (viewer.is_admin or namespace.owner is None or
            namespace.visibility == 'public' or
            (viewer.owner is not None and namespace.owner == viewer.owner))


def may_change(context, namespace):
    return not context.read_only and (context.is_admin or (
        namespace.owner is not None and namespace.owner == context.owner))


def require_unprotected(namespace, what):
    if namespace.protected:
        raise exception.ProtectedMetadefDelete(namespace=namespace.namespace,
                                               what=what)


def check_owner(context, owner):
    """Only administrators create or give away namespaces for others."""
    if not context.is_admin and owner != context.owner:
        raise exception.Forbidden(
            'You are not permitted to create or change a namespace owned '
            'by %s.' % owner)
