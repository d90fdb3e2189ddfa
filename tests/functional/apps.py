"""A small WSGI app for testing the server without the Image API.

Routes (GET):

* ``/pid``: the pid of the process that answered.
* ``/greeting``: ``[test_app] greeting`` as it was when the app was built,
  to see that SIGHUP rebuilt the app with the new configuration.
* ``/slow?mib=N&delay=S``: N MiB of ``x`` in 64 KiB chunks, S seconds apart.
* ``/file?path=P``: the file P through ``environ['wsgi.file_wrapper']``,
  with Content-Length and Range support (webob); ``&chunked=1`` leaves the
  Content-Length out.

And ``PUT /md5``: the md5 and length of the request body, read with
``wsgi.input``'s ``readinto`` (``?buffer=N``: N bytes at a time).

``maintenance`` is the periodic maintenance of the servers
tests/functional/api_with_maintenance.py runs: it records each round.
"""

import hashlib
import os
import time

import webob
import webob.dec
import webob.exc
from oslo_config import cfg

CONF = cfg.CONF
CONF.register_opts([
    cfg.StrOpt('greeting', default='hello', help='What /greeting answers.'),
    cfg.StrOpt('maintenance_log',
               help='File each maintenance round appends a line to: its '
                    'pid, its parent\'s pid and the time it started.'),
    cfg.FloatOpt('maintenance_seconds', default=0,
                 help='How long a maintenance round takes.'),
    cfg.BoolOpt('maintenance_fails', default=False,
                help='Whether a maintenance round raises once recorded.'),
], group='test_app')

CHUNK = 64 * 1024


def app_factory(global_conf, **local_conf):
    greeting = CONF.test_app.greeting

    @webob.dec.wsgify
    def app(req):
        if req.path == '/pid':
            return webob.Response(text=str(os.getpid()))
        if req.path == '/greeting':
            return webob.Response(text=greeting)
        if req.path == '/slow':
            return slow(int(req.params['mib']),
                        float(req.params.get('delay', 0.02)))
        if req.path == '/file':
            return file_response(req)
        if req.path == '/md5' and req.method == 'PUT':
            return body_md5(req.environ['wsgi.input'],
                            int(req.params.get('buffer', 65536)))
        raise webob.exc.HTTPNotFound()

    return app


def slow(mib, delay):
    def chunks():
        for _ in range(mib * 1024 * 1024 // CHUNK):
            time.sleep(delay)
            yield b'x' * CHUNK
    return webob.Response(app_iter=chunks(),
                          content_length=mib * 1024 * 1024,
                          content_type='application/octet-stream')


def file_response(req):
    path = req.params['path']
    body = req.environ['wsgi.file_wrapper'](open(path, 'rb'))
    response = webob.Response(app_iter=body,
                              content_type='application/octet-stream',
                              conditional_response=True)
    if not req.params.get('chunked'):
        response.content_length = os.path.getsize(path)
    return response


def body_md5(body, buffer_size):
    md5 = hashlib.md5()
    buffer = bytearray(buffer_size)
    length = 0
    while count := body.readinto(buffer):
        md5.update(buffer[:count])
        length += count
    return webob.Response(text='%s %d' % (md5.hexdigest(), length))


def maintenance():
    """One round of maintenance: see the [test_app] maintenance options."""
    with open(CONF.test_app.maintenance_log, 'a') as f:
        f.write('%d %d %f\n' % (os.getpid(), os.getppid(), time.time()))
    time.sleep(CONF.test_app.maintenance_seconds)
    if CONF.test_app.maintenance_fails:
        raise RuntimeError('maintenance failed, as configured')
