"""Interoperable image import (Image API 2.6 and later), as Glance does it.

* ``stage``: ``PUT /v2/images/{id}/stage`` streams data into this node's
  staging area (glance.store.staging); the image goes queued -> uploading
  and stays there until imported.  With ``worker_self_reference_url`` set
  the image records this node in ``os_glance_stage_host``.
* ``start``: ``POST /v2/images/{id}/import`` checks the request, records a
  task (glance.domain.task), takes the image's import lock for it
  (``os_glance_import_task``, glance.domain.import_lock: a second import
  while one runs is 409), moves the image to importing (but for a copy),
  records ``os_glance_importing_to_stores``, and hands the task to the
  TaskRunner; the caller gets 202.
  A glance-direct import of data staged on another node raises
  StagedOnAnotherNode: the API passes the request on to that node.
* The task (``_work``): web-download fetches the URL into the staging area
  through the import filters (glance.domain.web_source) with the size cap;
  the import plugins (glance.import_plugins) run on the staged data; the
  data is stored through the upload pipeline (glance.domain.data) and the
  image becomes active.  Any failure ends the task with its reason, returns
  the image to queued with ``os_glance_failed_import`` naming the stores,
  and removes the staged data.
* copy-image (``_copy``) copies an active image's data into more stores;
  if a store fails while all must succeed, it removes the copies it made.
* Every task drops its lock when it ends, succeeded or failed; it checks
  it still holds it before it writes the image, and one whose lock was
  taken over stops without touching the image.
* ``recover``: what maintenance does for an import whose process died.
"""

import logging

from oslo_config import cfg

from glance.common import exception
from glance.domain import image as image_mod
from glance.domain import import_lock
from glance.domain import lifecycle
from glance.domain import limits
from glance.domain import task as task_mod
from glance import store as store_mod

LOG = logging.getLogger(__name__)

GLANCE_DIRECT = 'glance-direct'
WEB_DOWNLOAD = 'web-download'
COPY_IMAGE = 'copy-image'
GLANCE_DOWNLOAD = 'glance-download'
METHODS = (GLANCE_DIRECT, WEB_DOWNLOAD, COPY_IMAGE, GLANCE_DOWNLOAD)

IMPORT_TASK = import_lock.PROPERTY
IMPORTING_TO = 'os_glance_importing_to_stores'
FAILED_IMPORT = 'os_glance_failed_import'
STAGE_HOST = 'os_glance_stage_host'

OPTS = [
    cfg.StrOpt('worker_self_reference_url',
               help='URL other API nodes reach this one at (e.g. '
                    'http://10.0.0.5:9292), when several nodes serve the '
                    'Image API without a shared staging directory: an image '
                    'staged here records it, and an import of that image '
                    'asked of another node is passed on to this one.'),
]


def _props(**values):
    return image_mod.ImageChanges(set_properties=values)


class ImageImport:

    def __init__(self, access, repo, images, data, stores, runner, lock,
                 plugins, web_filter, conf):
        conf.register_opts(OPTS)
        self.access = access
        self.images = images
        self.repo = repo
        self.data = data
        self.stores = stores
        self.runner = runner
        self.lock = lock
        self.plugins = plugins
        self.web_filter = web_filter
        self.conf = conf

    def methods(self):
        """The import methods this site accepts."""
        return [method for method in self.conf.enabled_import_methods
                if method in METHODS]

    # -- stage -------------------------------------------------------------

    def stage(self, context, image_id, source, size=None):
        """Stage ``source`` for a glance-direct import of a queued image."""
        if GLANCE_DIRECT not in self.methods():
            raise exception.NotFound(
                "'glance-direct' method is not available at this site.")
        image = self.access.image(context, image_id, 'upload_image',
                                  change='upload data to')
        if image.status != lifecycle.QUEUED:
            raise exception.Conflict(
                'Image status must be queued to stage data, not %s.'
                % image.status)
        self.data.limits.claim(
            context, {limits.IMAGE_STAGE_TOTAL: 0,
                      limits.IMAGE_COUNT_UPLOADING: 0},
            lambda: self.data.transition(image.id, lifecycle.QUEUED,
                                         lifecycle.UPLOADING),
            lambda _: self.data.transition_quietly(
                image.id, lifecycle.UPLOADING, lifecycle.QUEUED))
        try:
            _, staged_size, _, _, _ = self.data.stage(
                image.id, source, size, lifecycle.UPLOADING)
            # The staged size shows, and counts towards image_stage_total.
            self.data.transition(image.id, lifecycle.UPLOADING,
                                 lifecycle.UPLOADING, size=staged_size)
        except BaseException:
            self.data.transition_quietly(image.id, lifecycle.UPLOADING,
                                         lifecycle.QUEUED)
            raise
        if self.conf.worker_self_reference_url:
            self.repo.save(image.id, _props(**{
                STAGE_HOST: self.conf.worker_self_reference_url}))

    # -- import ------------------------------------------------------------

    def start(self, context, image_id, method, uri=None, stores=None,
              all_stores=False, all_stores_must_succeed=True,
              header_store=None):
        """Start importing an image; the task that will do it (None if a
        copy-image finds nothing to copy).

        With several stores the targets are ``stores``, every writable
        store (``all_stores``), or the one ``header_store`` names
        (X-Image-Meta-Store), by default the default store; an import into
        several fails as a whole if one fails, unless
        ``all_stores_must_succeed`` is False.
        """
        if method not in self.methods():
            raise exception.InvalidParameterValue(
                param='method', value=method,
                extra='import methods enabled here: %s'
                      % ', '.join(self.methods()))
        if not all_stores_must_succeed and not self.stores.multiple:
            raise exception.BadRequest(
                'All_stores_must_succeed can only be set with '
                'enabled_backends %s' % uri)
        options = {'all_stores_must_succeed': all_stores_must_succeed}
        self.data.limits.check(context, {limits.IMAGE_SIZE_TOTAL: 0})
        if method == COPY_IMAGE:
            return self._copy(context, image_id, stores, all_stores,
                              header_store, options)
        if method == GLANCE_DOWNLOAD:
            raise exception.Invalid(
                'glance-download needs another region of the Image service '
                'in the catalog; this deployment has none.')
        image = self.access.image(context, image_id, 'modify_image',
                                  change='import data to')
        if image.disk_format is None or image.container_format is None:
            raise exception.Conflict(
                "'disk_format' and 'container_format' must be set prior to "
                "importing data.")
        if method == GLANCE_DIRECT:
            self._check_staged(image)
        elif image.status != lifecycle.QUEUED:
            raise exception.Conflict(
                "Image needs to be in 'queued' state to use 'web-download' "
                "method, not %s." % image.status)
        elif not uri:
            raise exception.BadRequest(
                'A web-download import needs the "uri" of the data.')
        else:
            self.web_filter.check(uri)
        request = {'method': {'name': method}}
        if uri:
            request['method']['uri'] = uri
        targets = self._targets(stores, all_stores, header_store)
        return self._begin(context, image, task_mod.API_IMAGE_IMPORT, dict(
            options, image_id=image.id, import_req=request,
            backend=targets))

    def create_task(self, context, body):
        """Glance's legacy tasks API: an "import" task creates an image
        with ``image_properties`` and imports the data at ``import_from``
        into it as web-download does."""
        self.access.authorize(context, 'tasks_api_access')
        self.access.authorize(context, 'add_task')
        task_input = body.get('input') if isinstance(body, dict) else None
        if not isinstance(task_input, dict) or 'type' not in body:
            raise exception.BadRequest(
                'The body must be {"type": "import", "input": {...}}.')
        if body['type'] != task_mod.IMPORT:
            raise exception.InvalidParameterValue(
                param='type', value=body['type'],
                extra='only import tasks can be created')
        uri = task_input.get('import_from')
        properties = task_input.get('image_properties', {})
        if not isinstance(uri, str) or not isinstance(properties, dict):
            raise exception.BadRequest(
                'An import task needs "import_from" (a URL) and may have '
                '"image_properties" (an object).')
        if WEB_DOWNLOAD not in self.methods():
            raise exception.Forbidden(
                'Import from a URL is not enabled at this site.')
        self.web_filter.check(uri)
        attributes = {name: value for name, value in properties.items()
                      if name in image_mod.MUTABLE}
        if task_input.get('import_from_format'):
            attributes.setdefault('disk_format',
                                  task_input['import_from_format'])
        image = self.images.create(
            context, attributes,
            {name: value for name, value in properties.items()
             if name not in attributes})
        return self._begin(context, image, task_mod.IMPORT, dict(
            task_input, image_id=image.id,
            import_req={'method': {'name': WEB_DOWNLOAD, 'uri': uri}},
            backend=self._targets(None, False, None)))

    def _begin(self, context, image, task_type, task_input):
        """Record the task, take the image's import lock for it, move the
        image to importing (but for a copy of an active image), run the
        task."""
        task = task_mod.Task(
            type=task_type, owner=context.owner, image_id=image.id,
            request_id=context.request_id, user_id=context.user_id,
            input=dict(task_input, roles=list(context.roles)))
        self.repo.add_task(task)

        def to_importing():
            if image.status != lifecycle.ACTIVE:
                self.data.transition(image.id, image.status,
                                     lifecycle.IMPORTING)

        self.lock.start(image, task.id, to_importing)
        self.repo.save(image.id, _props(**{
            IMPORTING_TO: ','.join(task_input['backend']),
            FAILED_IMPORT: ''}))
        self.runner.submit(context, task.id, self._work)
        return task

    def _check_staged(self, image):
        if image.status == lifecycle.QUEUED:
            raise exception.Conflict(
                "Image needs to be staged before 'glance-direct' method can "
                "be used.")
        if image.status != lifecycle.UPLOADING:
            raise exception.Conflict(
                "Image status must be uploading to import staged data, not "
                "%s." % image.status)
        stage_host = image.extra_properties.get(STAGE_HOST)
        if stage_host and stage_host != self.conf.worker_self_reference_url:
            raise exception.StagedOnAnotherNode(stage_host)
        if not self.stores.staging.holds(image.id):
            raise exception.Conflict(
                'The staged data of image %s is not on this node; stage it '
                'again.' % image.id)

    def _targets(self, names, all_stores, header_store):
        """The stores to import into: with one store, its name (the only
        store an image is imported into); with several, their ids, from the
        request as Glance reads it (unknown ids: Conflict, as Glance)."""
        if not self.stores.multiple:
            return self._single_target(names, all_stores)
        if all_stores:
            if names is not None or header_store is not None:
                raise exception.BadRequest(
                    "All_stores parameter can't be used with "
                    "x-image-meta-store header or stores parameter")
            return self.stores.writable_store_ids()
        if names is None:
            names = [header_store or self.stores.default_driver().store_id]
        elif header_store is not None:
            raise exception.BadRequest(
                "Stores parameter and x-image-meta-store header can't be "
                "both specified")
        _check_names(names)
        for name in names:
            try:
                self.stores.driver_for_store(name)
            except exception.UnknownScheme as error:
                raise exception.Conflict(str(error)) from None
        return list(dict.fromkeys(names))

    def _single_target(self, names, all_stores):
        if all_stores or not names:
            return [self.stores.default_driver().name]
        _check_names(names)
        drivers = {self.stores.driver_for_upload(name) for name in names}
        if len(drivers) > 1:
            raise exception.InvalidParameterValue(
                param='stores', value=','.join(names),
                extra='an image is imported into one store here')
        return [drivers.pop().name]

    def _copy(self, context, image_id, stores, all_stores, header_store,
              options):
        """copy-image: the data of an active image into stores that lack
        it (policy ``copy_image``).  With one writable store there is never
        one: Conflict."""
        self.access.authorize(context, 'copy_image')
        image = self.access.image(context, image_id, 'get_image')
        if image.status != lifecycle.ACTIVE:
            raise exception.Conflict(
                'Images with status active can only be copied, not %s.'
                % image.status)
        targets = self._targets(stores, all_stores, header_store)
        if not self.stores.multiple:
            raise exception.Conflict(
                'Image %s is already present in every store it may be '
                'copied to (%s).' % (image.id, ', '.join(targets)))
        present = store_mod.store_ids(image.locations)
        if all_stores:
            targets = [target for target in targets if target not in present]
            if not targets:
                LOG.info('Image %s is in every store already: nothing to '
                         'copy', image.id)
                return None
        for target in targets:
            if target in present:
                raise exception.BadRequest(
                    "Image is already present at store '%s'" % target)
        self.data.check_copy(context, image, len(targets))
        return self._begin(context, image, task_mod.API_IMAGE_IMPORT, dict(
            options, image_id=image.id,
            import_req={'method': {'name': COPY_IMAGE}}, backend=targets))

    # -- the task ----------------------------------------------------------

    def _work(self, context, task):
        image_id = task.image_id
        targets = task.input.get('backend') or []
        required = task.input.get('all_stores_must_succeed', True)
        request = task.input['import_req']['method']
        progress = _Progress(self, image_id, targets)
        if request['name'] == COPY_IMAGE:
            try:
                return self._copy_work(context, task.id, image_id, progress,
                                       required)
            finally:
                self.lock.drop(image_id, task.id)
        try:
            self._check_limits(context, request['name'], image_id)
            if request['name'] == WEB_DOWNLOAD:
                self.data.download_to_stage(image_id, request['uri'],
                                            self.web_filter.check)
            image = self.repo.get(image_id)
            self._run_plugins(image, task.input.get('roles', ()))
            self.lock.assert_held(image_id, task.id)
            failed = self.data.import_staged(
                context, image_id,
                targets if self.stores.multiple else targets[:1] or [None],
                required, progress.stored)
        except exception.ImportLockLost:
            # The image is another task's now: left as it is.
            raise
        except BaseException:
            self.recover(image_id, targets, task.id)
            raise
        try:
            self.stores.staging.purge(image_id)
            progress.finish(failed)
        finally:
            self.lock.drop(image_id, task.id)
        return {'image_id': image_id}

    def _copy_work(self, context, task_id, image_id, progress, required):
        """copy-image's task: each store in turn; one that fails is named
        in os_glance_failed_import.  If ``required``, that fails the task,
        and the copies it made are removed, as Glance reverts them: a
        failed copy leaves the image as it found it."""
        try:
            self._check_limits(context, COPY_IMAGE, image_id)
        except exception.LimitExceeded:
            # The image stays active, no longer importing (as Glance).
            progress.finish([])
            raise
        failed, copied = [], []
        for target in progress.targets:
            self.lock.assert_held(image_id, task_id)
            try:
                self.data.copy(context, image_id, target)
            except Exception as error:
                LOG.warning('Image %s not copied to store %s: %s',
                            image_id, target, error)
                failed.append(target)
                if required:
                    self.data.remove_copies(image_id, copied)
                    progress.finish(failed + progress.left(target))
                    raise
                continue
            copied.append(target)
            progress.stored(target)
        progress.finish(failed)
        if failed and len(failed) == len(progress.targets):
            raise exception.StoreUnavailable(
                reason='the image could be copied to none of %s'
                       % ', '.join(failed))
        return {'image_id': image_id}

    def _check_limits(self, context, method, image_id):
        """The unified limits an import task checks before its work, as
        Glance's: a glance-direct import adds its staged data to
        image_size_total; the other methods use the staging area, of
        image_stage_total and image_count_uploading."""
        size = (self.repo.get(image_id).size or 0) // limits.MiB
        if method == GLANCE_DIRECT:
            deltas = {limits.IMAGE_SIZE_TOTAL: size}
        else:
            deltas = {limits.IMAGE_STAGE_TOTAL: size,
                      limits.IMAGE_COUNT_UPLOADING: 0}
        self.data.limits.check(context, deltas)

    def _run_plugins(self, image, roles):
        """Run the plugins in order, each seeing what the previous ones
        changed; then save what they changed of the image."""
        path = self.stores.staging.path(image.id)
        for plugin in self.plugins:
            outcome = plugin.run(image, path, roles)
            for name, value in outcome.attributes.items():
                setattr(image, name, value)
            image.extra_properties.update(outcome.properties)
        changes = image.changes()
        if changes != image_mod.ImageChanges():
            self.repo.save(image.id, changes,
                           require_status=lifecycle.IMPORTING)

    def recover(self, image_id, targets=(), task_id=None):
        """End an import that failed or whose process died: the image
        back to queued, the stores named as failed, the staged data gone,
        and the import lock of ``task_id`` released.
        The properties and the lock are written before the status, so that
        whoever sees the image queued sees them too, and may import again.
        """
        self.quietly_save(image_id, _props(**{
            IMPORTING_TO: '', FAILED_IMPORT: ','.join(targets)}))
        if task_id is not None:
            self.lock.drop(image_id, task_id)
        self.data.transition_quietly(image_id, lifecycle.IMPORTING,
                                     lifecycle.QUEUED)
        try:
            self.stores.staging.purge(image_id)
        except exception.StoreDeleteFailed as error:
            LOG.warning('Staged data of image %s not removed (%s); '
                        'maintenance will', image_id, error)

    def quietly_save(self, image_id, changes):
        try:
            self.repo.save(image_id, changes)
        except exception.NotFound:
            LOG.info('Image %s went while it was imported', image_id)


def _check_names(names):
    if not isinstance(names, list) or not all(
            isinstance(name, str) for name in names):
        raise exception.BadRequest('"stores" must be a list of names.')


class _Progress:
    """``os_glance_importing_to_stores`` and ``os_glance_failed_import``
    of an import into several stores, as Glance keeps them: a store leaves
    the first once written, a store that failed joins the second."""

    def __init__(self, imports, image_id, targets):
        self.imports = imports
        self.image_id = image_id
        self.targets = list(targets)
        self._pending = list(targets)

    def left(self, after):
        """The targets after ``after``, not tried."""
        return self.targets[self.targets.index(after) + 1:]

    def stored(self, store_id):
        if store_id in self._pending:
            self._pending.remove(store_id)
        self.imports.quietly_save(self.image_id, _props(**{
            IMPORTING_TO: ','.join(self._pending)}))

    def finish(self, failed):
        self.imports.quietly_save(self.image_id, _props(**{
            IMPORTING_TO: '', FAILED_IMPORT: ','.join(failed)}))
