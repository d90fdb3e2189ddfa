"""glance-api's process model and signals, the requests it refuses,
glance-control, and the WSGI entry point, with real processes serving the
app of tests/functional/apps.py (not the Image API, so that these tests say
only what the server does)."""

import hashlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from glance.cmd import control
from glance.common import pidfile
from tests.functional import server as harness

TEST_PASTE = ('[app:glance-api]\n'
              'paste.app_factory = tests.functional.apps:app_factory\n')
MIB = 1024 * 1024


@pytest.fixture
def test_app_server(make_api_server, tmp_path):
    """test_app_server(workers=0, conf=None, start=True, maintenance=False):
    a glance-api serving the test app; with ``maintenance``, whose periodic
    maintenance is the test app's (tests/functional/api_with_maintenance.py).
    """
    paste = tmp_path / 'test-paste.ini'
    paste.write_text(TEST_PASTE)

    def make(workers=0, conf=None, start=True, maintenance=False):
        api = make_api_server(workers=workers, conf=conf,
                              paste_ini=str(paste), start=False)
        if maintenance:
            api.command_line = [sys.executable, '-m',
                                'tests.functional.api_with_maintenance']
        return api.start() if start else api
    return make


@pytest.fixture(scope='module')
def shared_test_app_server(tmp_path_factory):
    """One glance-api serving the test app, for tests that only send it
    requests."""
    directory = tmp_path_factory.mktemp('shared-test-app')
    paste = directory / 'test-paste.ini'
    paste.write_text(TEST_PASTE)
    api = harness.ApiServer(directory / 'glance-api', paste_ini=str(paste))
    api.start()
    yield api
    api.stop()


def eventually(predicate, timeout=15):
    """The first true value of ``predicate()``, polled for ``timeout`` s."""
    give_up_at = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < give_up_at, 'gave up waiting'
        time.sleep(0.05)


def fetch(api, path):
    """GET on a connection of its own, so that any worker may answer."""
    return requests.get(api.url + path, timeout=10,
                        headers={'Connection': 'close'})


def workers_of(api, count=2):
    """The master's worker pids, once there are ``count`` of them."""
    return eventually(lambda: (pids := api.worker_pids())
                      and len(pids) == count and pids)


def refuses_connections(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_serves_on_the_configured_port_and_writes_the_pid_file(
        test_app_server):
    api = test_app_server()
    assert fetch(api, '/pid').text == str(api.pid)
    assert pidfile.read(api.pid_path) == api.pid
    assert 'listening on 127.0.0.1:%d' % api.port in api.read_log()


def test_each_worker_answers_with_its_own_pid(test_app_server):
    api = test_app_server(workers=2)
    workers = workers_of(api)
    answered = set()

    def all_workers_answered():
        answered.add(int(fetch(api, '/pid').text))
        assert answered <= workers
        return answered == workers

    eventually(all_workers_answered)


def test_a_killed_worker_is_replaced(test_app_server):
    api = test_app_server(workers=2)
    victim = min(workers_of(api))
    os.kill(victim, signal.SIGKILL)
    workers = eventually(lambda: (pids := api.worker_pids())
                         and len(pids) == 2 and victim not in pids and pids)
    assert int(fetch(api, '/pid').text) in workers
    assert 'Worker %d was killed by SIGKILL unexpectedly' % victim \
        in api.read_log()


@pytest.mark.parametrize('workers', [0, 2])
def test_term_lets_a_download_finish_then_exits_0(test_app_server, workers):
    api = test_app_server(workers=workers)
    if workers:
        workers_of(api)
    connection = http.client.HTTPConnection('127.0.0.1', api.port,
                                            timeout=30)
    connection.request('GET', '/slow?mib=8&delay=0.02')
    response = connection.getresponse()
    received = len(response.read(64 * 1024))
    api.signal(signal.SIGTERM)
    eventually(lambda: refuses_connections(api.port), timeout=5)
    assert api.process.poll() is None
    while chunk := response.read(MIB):
        received += len(chunk)
    assert received == 8 * MIB
    assert api.process.wait(30) == 0
    assert not os.path.exists(api.pid_path)
    assert 'stopping gracefully' in api.read_log()


def test_hup_starts_new_workers_with_the_new_config_refusing_nothing(
        test_app_server):
    api = test_app_server(workers=2)
    old_workers = workers_of(api)
    api.update_conf({'test_app': {'greeting': 'bonjour'}})
    answers, failures = [], []
    done = threading.Event()

    def keep_asking():
        while not done.is_set():
            try:
                response = fetch(api, '/greeting')
                answers.append((response.status_code, response.text))
            except requests.RequestException as e:
                failures.append(e)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        eventually(lambda: answers)
        api.signal(signal.SIGHUP)
        new_workers = eventually(
            lambda: (pids := api.worker_pids()) and len(pids) == 2
            and not pids & old_workers and pids)
        count = len(answers)
        eventually(lambda: len(answers) > count + 5)
    finally:
        done.set()
        asker.join()
    assert failures == []
    assert {status for status, _ in answers} == {200}
    assert answers[0][1] == 'hello' and answers[-1][1] == 'bonjour'
    assert int(fetch(api, '/pid').text) in new_workers


def test_hup_in_one_process_reloads_the_app_in_place(test_app_server):
    api = test_app_server()
    api.update_conf({'test_app': {'greeting': 'bonjour'},
                     'DEFAULT': {'bind_port': harness.free_port()}})
    api.signal(signal.SIGHUP)
    eventually(lambda: fetch(api, '/greeting').text == 'bonjour')
    assert fetch(api, '/pid').text == str(api.pid)
    assert 'that needs a restart; still listening on 127.0.0.1:%d' % api.port \
        in api.read_log()


def test_a_reload_that_fails_keeps_the_running_app(test_app_server):
    api = test_app_server(workers=1)
    workers = workers_of(api, 1)
    api.update_conf({'paste_deploy': {'flavor': 'nonsense'},
                     'test_app': {'greeting': 'bonjour'}})
    api.signal(signal.SIGHUP)
    eventually(lambda: 'Reload failed' in api.read_log())
    assert 'glance-api-nonsense' in api.read_log()
    assert fetch(api, '/greeting').text == 'hello'
    assert api.worker_pids() == workers


def writes_to(pid, path):
    fds = '/proc/%d/fd' % pid
    return any(os.readlink(os.path.join(fds, fd)) == path
               for fd in os.listdir(fds))


def test_usr1_reopens_the_log_files_logrotate_moved(test_app_server):
    api = test_app_server(workers=2)
    processes = [api.pid] + sorted(workers_of(api))
    rotated = api.log_path + '.1'
    os.rename(api.log_path, rotated)
    assert all(writes_to(pid, rotated) for pid in processes)
    api.signal(signal.SIGUSR1)
    eventually(lambda: 'log files reopened' in api.read_log())
    eventually(lambda: not any(writes_to(pid, rotated) for pid in processes))
    assert all(writes_to(pid, api.log_path) for pid in processes)


def maintained_server(test_app_server, workers, interval, **test_app):
    """A started test app server with maintenance every ``interval``
    seconds, which records its rounds in maintenance.log in the server's
    directory; more [test_app] options in ``test_app``."""
    api = test_app_server(workers=workers, maintenance=True, start=False)
    test_app['maintenance_log'] = os.path.join(api.data_dir,
                                               'maintenance.log')
    api.update_conf({'DEFAULT': {'maintenance_interval': interval},
                     'test_app': test_app})
    return api.start()


def maintenance_rounds(api, at_least=0):
    """(pid, parent pid, start time) of each maintenance round so far, once
    there are ``at_least``."""
    def rounds():
        try:
            with open(os.path.join(api.data_dir, 'maintenance.log')) as f:
                return [(int(pid), int(parent), float(started))
                        for pid, parent, started in map(str.split, f)]
        except FileNotFoundError:
            return []
    if at_least:
        return eventually(lambda: len(found := rounds()) >= at_least
                          and found)
    return rounds()


def test_maintenance_runs_every_interval_in_a_child_of_the_master(
        test_app_server):
    api = maintained_server(test_app_server, workers=2, interval=1)
    workers = workers_of(api)
    rounds = maintenance_rounds(api, at_least=4)
    assert fetch(api, '/greeting').text == 'hello'
    pids = [pid for pid, _, _ in rounds]
    assert len(set(pids)) == len(pids)
    assert not set(pids) & (workers | {api.pid})
    assert {parent for _, parent, _ in rounds} == {api.pid}
    starts = [started for _, _, started in rounds]
    assert all(0.5 < later - earlier < 2
               for earlier, later in zip(starts, starts[1:]))


def test_maintenance_runs_in_the_one_process_without_workers(
        test_app_server):
    api = maintained_server(test_app_server, workers=0, interval=1)
    rounds = maintenance_rounds(api, at_least=2)
    assert {pid for pid, _, _ in rounds} == {api.pid}
    assert fetch(api, '/greeting').text == 'hello'


@pytest.mark.parametrize('workers', [0, 1])
def test_no_maintenance_with_an_interval_of_0(test_app_server, workers):
    api = maintained_server(test_app_server, workers=workers, interval=0)
    time.sleep(2.5)
    assert fetch(api, '/greeting').text == 'hello'
    assert maintenance_rounds(api) == []


def test_a_failing_maintenance_round_is_logged_and_the_next_ones_run(
        test_app_server):
    api = maintained_server(test_app_server, workers=1, interval=1,
                            maintenance_fails=True)
    rounds = maintenance_rounds(api, at_least=3)
    eventually(lambda: 'Maintenance round %d exited with status 1'
                       % rounds[0][0] in api.read_log())
    assert 'RuntimeError: maintenance failed, as configured' \
        in api.read_log()
    assert fetch(api, '/greeting').text == 'hello'


def test_rounds_due_while_one_runs_are_skipped_and_term_ends_it(
        test_app_server):
    api = maintained_server(test_app_server, workers=1, interval=1,
                            maintenance_seconds=60)
    [(running, _, _)] = maintenance_rounds(api, at_least=1)
    eventually(lambda: 'Maintenance round %d is still running; skipping'
                       % running in api.read_log())
    assert len(maintenance_rounds(api)) == 1
    api.signal(signal.SIGTERM)
    assert api.process.wait(10) == 0
    assert not os.path.exists('/proc/%d' % running)


def test_a_missing_filter_fails_with_one_line_and_status_1(
        make_api_server, tmp_path):
    paste = tmp_path / 'broken-paste.ini'
    paste.write_text('[pipeline:glance-api]\n'
                     'pipeline = nosuchfilter testapp\n\n' +
                     TEST_PASTE.replace('glance-api', 'testapp'))
    result = make_api_server(paste_ini=str(paste),
                             start=False).run_foreground()
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith('glance-api: ') and 'nosuchfilter' in line


def test_a_missing_config_file_fails_with_one_line_and_status_1():
    result = subprocess.run(
        [harness.command('glance-api'), '--config-file', '/nonexistent.conf'],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith('glance-api: ') and '/nonexistent.conf' in line


def test_downloads_whole_ranged_and_chunked(test_app_server, tmp_path):
    data = os.urandom(8 * MIB + 5)
    path = tmp_path / 'image'
    path.write_bytes(data)
    api = test_app_server(workers=1)
    url = '%s/file?path=%s' % (api.url, path)
    whole = requests.get(url)
    assert whole.headers['Content-Length'] == str(len(data))
    assert whole.content == data
    part = requests.get(url, headers={'Range': 'bytes=100-1048675'})
    assert part.status_code == 206
    assert part.content == data[100:1048676]
    chunked = requests.get(url + '&chunked=1')
    assert 'Content-Length' not in chunked.headers
    assert chunked.content == data


def test_uploads_are_read_with_readinto(shared_test_app_server):
    data = os.urandom(5 * MIB + 3)
    expected = '%s %d' % (hashlib.md5(data).hexdigest(), len(data))
    url = shared_test_app_server.url + '/md5?buffer=%d' % MIB

    def frames():
        for start in range(0, len(data), 65524):
            yield data[start:start + 65524]

    assert requests.put(url, data=data).text == expected
    assert requests.put(url, data=frames()).text == expected


def run_control(api, *args):
    return subprocess.run([harness.command('glance-control')] + list(args),
                          capture_output=True, text=True, timeout=60,
                          env=api.environ())


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_glance_control_start_status_reload_stop(test_app_server, tmp_path):
    api = test_app_server(workers=1, start=False)
    pid_file = str(tmp_path / 'control.pid')

    def glance_control(*args):
        return run_control(api, '--pid-file', pid_file, *args)

    started = glance_control('--await-child', '1', 'api', 'start',
                             api.conf_path)
    assert started.returncode == 0, started.stderr
    pid = pidfile.read(pid_file)
    try:
        api.wait_for_port()
        status = glance_control('api', 'status')
        assert status.returncode == 0
        assert 'glance-api (pid %d) is running' % pid in status.stdout
        again = glance_control('api', 'start', api.conf_path)
        assert again.returncode == 1
        assert 'already running' in again.stderr
        workers = eventually(lambda: harness.child_pids(pid))
        assert glance_control('api', 'reload').returncode == 0
        eventually(lambda: (pids := harness.child_pids(pid))
                   and not pids & workers)
        assert fetch(api, '/greeting').text == 'hello'
        assert glance_control('api', 'stop').returncode == 0
        assert not pidfile.is_running(pid)
        assert not os.path.exists(pid_file)
        status = glance_control('api', 'status')
        assert status.returncode == control.STATUS_STOPPED
        assert 'glance-api is stopped' in status.stdout
    finally:
        kill_group(pid)


def test_glance_control_respawns_a_server_that_died(test_app_server,
                                                    tmp_path):
    api = test_app_server(start=False)
    pid_file = str(tmp_path / 'control.pid')
    supervisor = subprocess.Popen(
        [harness.command('glance-control'), '--pid-file', pid_file,
         '--respawn', 'api', 'start', api.conf_path],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=api.environ())
    pids = []
    try:
        pids.append(eventually(lambda: pidfile.read(pid_file)))
        api.wait_for_port()
        time.sleep(control.MIN_RESPAWN_UPTIME + 0.5)
        os.kill(pids[0], signal.SIGKILL)
        pids.append(eventually(
            lambda: pidfile.read(pid_file) not in (None, pids[0])
            and pidfile.read(pid_file)))
        eventually(lambda: not refuses_connections(api.port))
        assert fetch(api, '/pid').text == str(pids[1])
        assert run_control(api, '--pid-file', pid_file, 'api',
                           'stop').returncode == 0
        assert supervisor.wait(30) == 0
        output = supervisor.stdout.read()
        assert 'respawning' in output and 'was stopped' in output
    finally:
        supervisor.kill()
        supervisor.wait()
        for pid in pids:
            kill_group(pid)


def test_glance_control_says_when_a_server_is_not_installed(tmp_path):
    """glance-control run from a directory without the servers, with none
    on PATH."""
    script = ('import sys\n'
              'from glance.cmd import control\n'
              'sys.argv[0] = %r\n'
              'sys.exit(control.main(sys.argv[1:]))\n'
              % str(tmp_path / 'glance-control'))
    env = dict(os.environ, PATH=str(tmp_path))
    result = subprocess.run(
        [sys.executable, '-c', script, '--pid-file',
         str(tmp_path / 'registry.pid'), 'registry', 'start'],
        capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    assert 'glance-registry is not installed' in result.stderr


def test_wsgi_entry_point_serves_the_app_without_eventlet(test_app_server):
    api = test_app_server(conf={'test_app': {'greeting': 'from-conf-dir'}},
                          start=False)
    script = ('import sys, webob\n'
              'from glance.wsgi.api import application\n'
              'request = webob.Request.blank("/greeting")\n'
              'print(request.get_response(application).text)\n'
              'print("eventlet" in sys.modules)\n')
    env = api.environ()
    env['OS_GLANCE_CONFIG_DIR'] = api.data_dir
    result = subprocess.run([sys.executable, '-c', script],
                            capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.stdout.split() == ['from-conf-dir', 'False'], result.stderr


def exchange(api, data):
    """Send the raw bytes ``data``; what the server answers until it closes
    the connection (a server that never does fails the test)."""
    received = b''
    with socket.create_connection(('127.0.0.1', api.port), timeout=10) as sock:
        try:
            sock.sendall(data)
            while chunk := sock.recv(MIB):
                received += chunk
        except ConnectionResetError:
            pass  # after its answer, the server dropped what it did not read
    return received


def status_of(answer):
    """The status code of a raw answer, and its body."""
    head, _, body = answer.partition(b'\r\n\r\n')
    return int(head.split(b' ')[1]), body


@pytest.mark.parametrize('line', [
    b'GARBAGE', b'GET', b'GET /', b'GET / HTTP/9.9', b'GET / HTTP/2.0',
    b'GET / HTTP/1.1 extra', b'GET /pid\x00 HTTP/1.1', b'GET /\xff HTTP/1.1',
])
def test_a_malformed_request_line_gets_400_then_the_connection_closes(
        shared_test_app_server, line):
    answer = exchange(shared_test_app_server, line + b'\r\n\r\n')
    assert answer.startswith(b'HTTP/1.1 400 Bad Request\r\n')
    assert b'\r\nConnection: close\r\n' in answer
    assert status_of(answer)[1].startswith(b'Bad request line')


def test_a_refused_request_is_logged_not_served(shared_test_app_server):
    api = shared_test_app_server
    exchange(api, b'GARBAGE\r\n\r\n')
    eventually(lambda: 'Refused a request from 127.0.0.1: 400 Bad request '
                       'line' in api.read_log())
    assert fetch(api, '/greeting').text == 'hello'


def test_a_utf8_request_target_is_served(shared_test_app_server):
    answer = exchange(shared_test_app_server,
                      'GET /greeting?name=caf\u00e9 HTTP/1.1\r\n'
                      'Connection: close\r\n\r\n'.encode('utf-8'))
    assert status_of(answer) == (200, b'hello')


def test_a_request_line_over_8_kib_gets_414(shared_test_app_server):
    answer = exchange(shared_test_app_server,
                      b'GET /' + b'a' * 8192 + b' HTTP/1.1\r\n\r\n')
    assert status_of(answer)[0] == 414


def headers(count, length=10):
    return b''.join(b'X-Header-%d: %s\r\n' % (n, b'v' * length)
                    for n in range(count))


def test_up_to_99_header_lines_are_served(shared_test_app_server):
    answer = exchange(shared_test_app_server,
                      b'GET /greeting HTTP/1.1\r\nConnection: close\r\n'
                      + headers(98) + b'\r\n')
    assert status_of(answer) == (200, b'hello')


def test_100_header_lines_get_431(shared_test_app_server):
    answer = exchange(shared_test_app_server,
                      b'GET /greeting HTTP/1.1\r\n' + headers(100) + b'\r\n')
    assert status_of(answer) == (431, b'Too many headers\n')


def test_a_header_line_of_max_header_line_bytes_gets_400(
        shared_test_app_server):
    answer = exchange(shared_test_app_server,
                      b'GET /greeting HTTP/1.1\r\n' + headers(1, 16384)
                      + b'\r\n')
    assert answer.startswith(b'HTTP/1.0 400 Header Line Too Long\r\n')


def test_more_than_64_kib_of_headers_gets_400(shared_test_app_server):
    answer = exchange(shared_test_app_server,
                      b'GET /greeting HTTP/1.1\r\n' + headers(20, 4000)
                      + b'\r\n')
    assert answer.startswith(b'HTTP/1.0 400 Headers Too Large\r\n')


@pytest.mark.parametrize('content_length', [
    b'99999999999999999999999', b'9223372036854775808', b'-1', b'+1',
    b'1_0', b'0x1', b'one', b'1\r\nContent-Length: 1',
])
def test_a_bad_content_length_gets_400_before_the_app_runs(
        shared_test_app_server, content_length):
    answer = exchange(shared_test_app_server,
                      b'POST /greeting HTTP/1.1\r\nContent-Length: %s\r\n'
                      b'\r\nx' % content_length)
    status, body = status_of(answer)
    assert status == 400
    assert b'Content-Length' in body
