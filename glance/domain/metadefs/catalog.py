"""Whole definitions in and out of a repository: what ``glance-manage db
load_metadefs``, ``unload_metadefs`` and ``export_metadefs`` do, and what
a namespace show reads.

These are operator tools: they act on the repository directly, with no
caller, visibility or policy.
"""

import dataclasses

from glance.common import exception
from glance.domain.metadefs import entities
from glance.domain.metadefs import repository

CREATED, MERGED, SKIPPED = 'created', 'merged', 'skipped'
PAGE = 1000


def read_definition(repo, name):
    """The whole Definition of the namespace ``name``."""
    return entities.Definition(
        namespace=repo.get_namespace(name),
        associations=repo.associations(name),
        **{kind: repo.list_items(kind, name) for kind in entities.KINDS})


def export(repo):
    """The Definition of every namespace, by name."""
    definitions, marker = [], None
    while True:
        page = repo.list_namespaces(repository.NamespaceQuery(
            sort_key='namespace', sort_dir='asc', limit=PAGE, marker=marker))
        definitions += [read_definition(repo, namespace.namespace)
                        for namespace, _ in page]
        if len(page) < PAGE:
            return definitions
        marker = page[-1][0].namespace


def load(repo, definition, merge=False, prefer_new=False, overwrite=False):
    """Store ``definition``; CREATED, or for a namespace that exists,
    SKIPPED, or MERGED with ``merge``: what the database lacks is added;
    with ``prefer_new`` too, what both have is taken from the definition;
    with ``overwrite`` too, the namespace's contents are replaced."""
    if (prefer_new and not merge) or (overwrite and not prefer_new):
        raise exception.BadRequest(
            '--prefer_new needs --merge, --overwrite needs --merge and '
            '--prefer_new.')
    name = definition.namespace.namespace
    try:
        current = repo.get_namespace(name)
    except exception.MetadefNamespaceNotFound:
        repo.add_definition(definition)
        return CREATED
    if not merge:
        return SKIPPED
    if prefer_new:
        repo.save_namespace(name, dataclasses.replace(
            definition.namespace,
            owner=definition.namespace.owner or current.owner))
    if overwrite:
        for association in repo.associations(name):
            repo.delete_association(name, association.name)
        for kind in entities.KINDS:
            repo.delete_items(kind, name)
    _merge_associations(repo, name, definition.associations, prefer_new)
    for kind in entities.KINDS:
        _merge_items(repo, kind, name, getattr(definition, kind), prefer_new)
    return MERGED


def _merge_associations(repo, name, associations, prefer_new):
    existing = {item.name for item in repo.associations(name)}
    for association in associations:
        if association.name in existing:
            if not prefer_new:
                continue
            repo.delete_association(name, association.name)
        repo.add_association(name, association)


def _merge_items(repo, kind, name, items, prefer_new):
    existing = {item.name for item in repo.list_items(kind, name)}
    new = [item for item in items if item.name not in existing]
    if new:
        repo.add_items(kind, name, new)
    if prefer_new:
        for item in items:
            if item.name in existing:
                repo.save_item(kind, name, item.name, item)
