"""The current request context: bound around an action, per thread and
per green thread."""

import subprocess
import sys
import threading

import webob

from glance.common import wsgi
from glance import context


def test_bound_sets_the_current_context_for_the_block_only():
    outer, inner = context.RequestContext(), context.RequestContext()
    assert context.current() is None
    with context.bound(outer):
        with context.bound(inner):
            assert context.current() is inner
        assert context.current() is outer
    assert context.current() is None


def test_a_thread_starts_without_a_context_and_keeps_its_own():
    seen = []
    mine = context.RequestContext(user_id='main')

    def other():
        seen.append(context.current())
        with context.bound(context.RequestContext(user_id='other')):
            seen.append(context.current().user_id)

    with context.bound(mine):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert context.current() is mine
    assert seen == [None, 'other']


GREEN_SCRIPT = '''
import warnings
warnings.simplefilter('ignore')
import eventlet
eventlet.monkey_patch()
from glance import context

def serve(user):
    assert context.current() is None
    with context.bound(context.RequestContext(user_id=user)):
        for _ in range(3):
            eventlet.sleep(0.01)
            assert context.current().user_id == user, user
    return user

pool = eventlet.GreenPool()
print(list(pool.imap(serve, ['u%d' % n for n in range(20)])) ==
      ['u%d' % n for n in range(20)] and context.current() is None)
'''


def test_each_green_thread_has_its_own_context():
    result = subprocess.run([sys.executable, '-c', GREEN_SCRIPT],
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == 'True', result.stderr


def test_the_router_binds_the_request_context_around_the_action():
    seen = []

    class Controller:
        def show(self, req):
            seen.append(context.current())
            return wsgi.empty_response()

    router = wsgi.Router()
    router.add('/thing', Controller(), {'GET': 'show'})
    ctx = context.RequestContext(user_id='u1')
    request = webob.Request.blank('/thing', environ={'glance.context': ctx})
    assert request.get_response(router).status_int == 204
    assert seen == [ctx] and context.current() is None
