"""A WSGI app served on a loopback port by a thread of the test process:
real HTTP for a real client, without a process to start.

    server = serve_in_thread(app)
    host, port = server.server_address
    ...
    stop(server)
"""

import socketserver
import threading
from wsgiref import simple_server


class _QuietHandler(simple_server.WSGIRequestHandler):

    def log_message(self, *args):
        pass


class _ThreadingServer(socketserver.ThreadingMixIn,
                       simple_server.WSGIServer):
    daemon_threads = True


def _without_hop_by_hop_headers(app):
    """``app`` minus the Connection header the router sets on some errors,
    which wsgiref refuses (it closes every connection anyway)."""
    def filtered(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [
                (name, value) for name, value in headers
                if name.lower() != 'connection'], exc_info)
        return app(environ, start)
    return filtered


def serve_in_thread(app):
    """Serve ``app`` on a free loopback port until ``stop(server)``."""
    server = _ThreadingServer(('127.0.0.1', 0), _QuietHandler)
    server.set_app(_without_hop_by_hop_headers(app))
    threading.Thread(target=server.serve_forever, args=(0.01,),
                     daemon=True).start()
    return server


def stop(server):
    server.shutdown()
    server.server_close()
