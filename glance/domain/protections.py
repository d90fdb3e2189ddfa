"""Property protections: who may create, read, update and delete which
extra properties of an image, as Glance's ``property_protection_file``
says.

The file is an INI file whose sections are regular expressions matched
(``re.search``) against a property name, in the order they appear: the
first that matches decides, and a property no section matches is denied
every operation.  Each section names the four operations::

    [^x_billing_]
    create = admin
    read = admin,member
    update = admin
    delete = !

With ``property_protection_rule_format = roles`` a value lists roles (any
one suffices); with ``policies`` it names one policy rule, evaluated by
the Authorizer (glance.domain.policy).  In both, ``@`` allows everyone and
``!`` nobody; an empty value allows nobody.  A file that cannot be read, a
bad expression, a missing operation, ``@`` with ``!``, or several rules in
one policies value stop the start-up with a ConfigError naming the fault.

Base attributes (name, visibility...) are never protected here.
"""

import configparser
import copy
import logging
import os
import re

from oslo_config import cfg

from glance.common import exception

LOG = logging.getLogger(__name__)

OPERATIONS = ('create', 'read', 'update', 'delete')
ROLES, POLICIES = 'roles', 'policies'
EVERYONE, NOBODY = '@', '!'

OPTS = [
    cfg.StrOpt('property_protection_file',
               help='INI file of property protections: which roles (or '
                    'policy rules) may create, read, update and delete '
                    'which extra properties.  Unset: no protection, every '
                    'caller that may change an image may change all its '
                    'properties.  See etc/property-protections-*.conf.sample '
                    'and doc/property-protections.md.'),
    cfg.StrOpt('property_protection_rule_format', default=ROLES,
               choices=[(ROLES, 'values list roles'),
                        (POLICIES, 'values name a policy rule')],
               help='What the values of property_protection_file name.'),
]


def _invalid(path, reason):
    return exception.ConfigError(
        'Invalid property protection file %s: %s' % (path, reason))


def _find(conf, path):
    """``path`` as given, else looked up in the configuration
    directories, as Glance does."""
    if os.path.isabs(path) or os.path.exists(path):
        return path
    return conf.find_file(path) or path


class PropertyProtections:
    """The rules of a property protection file, or none (all allowed)."""

    def __init__(self, rules=(), rule_format=ROLES, authorizer=None):
        """``rules``: ``(compiled expression, {operation: [permission]})``
        pairs in file order."""
        self.rules = list(rules)
        self.rule_format = rule_format
        self.authorizer = authorizer

    @classmethod
    def from_conf(cls, conf, authorizer):
        conf.register_opts(OPTS)
        if not conf.property_protection_file:
            return cls()
        rule_format = conf.property_protection_rule_format
        path = _find(conf, conf.property_protection_file)
        return cls(load(path, rule_format), rule_format, authorizer)

    @property
    def enabled(self):
        return bool(self.rules)

    def allows(self, context, name, operation):
        """Whether ``context`` may perform ``operation`` on property
        ``name``."""
        if not self.enabled:
            return True
        for expression, permissions in self.rules:
            if expression.search(name):
                break
        else:
            return False
        allowed = permissions[operation]
        if NOBODY in allowed or not allowed:
            return False
        if EVERYONE in allowed:
            return True
        if self.rule_format == POLICIES:
            return self.authorizer.check(context, allowed[0])
        roles = {role.lower() for role in context.roles}
        return any(role.lower() in roles for role in allowed)

    def require(self, context, name, operation):
        """Raise ProtectedProperty unless ``allows``."""
        if not self.allows(context, name, operation):
            raise exception.ProtectedProperty(property=name)

    def shown(self, context, image):
        """``image`` as ``context`` may see it: without the properties it
        may not read.  The image itself is left as it is."""
        if not self.enabled:
            return image
        shown = copy.copy(image)
        shown.extra_properties = {
            name: value for name, value in image.extra_properties.items()
            if self.allows(context, name, 'read')}
        return shown


def load(path, rule_format):
    """The rules of the file at ``path``; ConfigError if it is bad."""
    parser = configparser.RawConfigParser()
    try:
        with open(path, encoding='utf-8') as rules_file:
            parser.read_file(rules_file)
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        raise _invalid(path, error) from None
    if not parser.sections():
        raise _invalid(path, 'it has no section')
    return [(_compile(path, section),
             {operation: _permissions(path, parser, section, operation,
                                      rule_format)
              for operation in OPERATIONS})
            for section in parser.sections()]


def _compile(path, section):
    try:
        return re.compile(section)
    except re.error as error:
        raise _invalid(path, 'section [%s] is no regular expression: %s'
                       % (section, error)) from None


def _permissions(path, parser, section, operation, rule_format):
    if not parser.has_option(section, operation):
        raise _invalid(path, 'section [%s] does not say who may %s'
                       % (section, operation))
    value = parser.get(section, operation).strip()
    if not value:
        LOG.warning('Property protection [%s] %s is empty: nobody may %s '
                    'these properties', section, operation, operation)
        return []
    if rule_format == POLICIES:
        if ',' in value:
            raise _invalid(path, '[%s] %s = %s names several policy rules; '
                           'combine them in the policy file instead'
                           % (section, operation, value))
        return [value]
    permissions = [role.strip() for role in value.split(',') if role.strip()]
    if EVERYONE in permissions and NOBODY in permissions:
        raise _invalid(path, "[%s] %s = %s: '@' and '!' are mutually "
                       "exclusive" % (section, operation, value))
    return permissions
