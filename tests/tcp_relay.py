"""A TCP relay on loopback in front of a real server, to break it on cue.

    with TcpRelay(target_port, cut_after=1_000_000, cuts=1) as relay:
        relay.port      # connect here instead of target_port
        relay.stop()    # the server seems down: connections are refused
        relay.start()   # and back, on the same port

``cut_after`` bytes into its response, each of the first ``cuts``
connections is closed (a read that breaks off mid-way).  Only
connections whose response has more bytes than that are cut; the others
pass untouched.  The relay runs in a process of its own, so nothing the
test process does (eventlet monkey-patching included) can stall it.
"""

import os
import socket
import subprocess
import sys
import threading
import time

BUFFER = 64 * 1024


class TcpRelay:

    def __init__(self, target_port, cut_after=None, cuts=0):
        self.target_port = target_port
        self.cut_after = cut_after
        self.cuts = cuts
        self.port = None
        self._process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        command = [sys.executable, os.path.abspath(__file__),
                   str(self.target_port), str(self.port or 0),
                   str(self.cut_after or 0), str(self.cuts)]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE,
                                         text=True)
        self.port = int(self._process.stdout.readline())
        return self

    def stop(self):
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process.stdout.close()
            self._process = None


def _pipe(source, sink, limit=None, on_limit=None):
    sent = 0
    try:
        while True:
            data = source.recv(BUFFER)
            if not data:
                break
            if limit is not None and sent + len(data) > limit:
                if on_limit():
                    sink.sendall(data[:limit - sent])
                    return
                limit = None
            sink.sendall(data)
            sent += len(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Cuts:
    """How many connections are still to be cut, shared by all."""

    def __init__(self, count):
        self.count = count
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if not self.count:
                return False
            self.count -= 1
            return True


def _serve(client, target_port, cut_after, cuts):
    try:
        upstream = socket.create_connection(('127.0.0.1', target_port))
    except OSError:
        client.close()
        return

    def cut():
        if not cuts.take():
            return False
        # The connection ends mid-response, as when a server or network
        # fails: the bytes before the cut still reach the client.
        upstream.close()
        return True

    threading.Thread(target=_pipe, args=(client, upstream),
                     daemon=True).start()
    _pipe(upstream, client, limit=cut_after or None, on_limit=cut)


def main(target_port, port, cut_after, cuts):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for _ in range(100):
        try:
            listener.bind(('127.0.0.1', port))
            break
        except OSError:
            time.sleep(0.05)  # The previous relay's port is not free yet.
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    cuts = _Cuts(cuts)
    while True:
        client, _address = listener.accept()
        threading.Thread(target=_serve,
                         args=(client, target_port, cut_after, cuts),
                         daemon=True).start()


if __name__ == '__main__':
    main(*map(int, sys.argv[1:5]))
