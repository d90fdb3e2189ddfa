"""Figures, ratios against references, the printed table and JSON lines.

A figure is one measurement repeated: its runs and their min/median/max.
A comparison divides a server's run i by its reference's run i (measured
right before or after, in the same round) and reports the min/median/max
of those ratios, with the target and whether the median meets it.
"""

import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess


class Figure:

    def __init__(self, workload, server, unit, runs):
        self.workload = workload
        self.server = server
        self.unit = unit
        self.runs = list(runs)

    def summary(self):
        return (min(self.runs), statistics.median(self.runs), max(self.runs))

    def as_json(self):
        low, median, high = self.summary()
        return {'kind': 'figure', 'workload': self.workload,
                'server': self.server, 'unit': self.unit, 'runs': self.runs,
                'min': low, 'median': median, 'max': high}


class Comparison:
    """``server`` over ``reference`` for one workload; ``target`` is
    ``('>=', 0.9)`` or ``('<=', 0.25)`` or None."""

    def __init__(self, figure, reference, target=None):
        self.figure = figure
        self.reference = reference
        self.target = target
        pairs = zip(figure.runs, reference.runs)
        self.ratios = [a / b for a, b in pairs if b]

    def summary(self):
        if not self.ratios:
            return (float('nan'),) * 3
        return (min(self.ratios), statistics.median(self.ratios),
                max(self.ratios))

    def met(self):
        if self.target is None or not self.ratios:
            return None
        op, bound = self.target
        median = self.summary()[1]
        return median >= bound if op == '>=' else median <= bound

    def as_json(self):
        low, median, high = self.summary()
        return {'kind': 'ratio', 'workload': self.figure.workload,
                'server': self.figure.server,
                'reference': self.reference.server, 'ratios': self.ratios,
                'min': low, 'median': median, 'max': high,
                'target': '%s %g' % self.target if self.target else None,
                'met': self.met()}


class Results:

    def __init__(self):
        self.figures = []
        self.comparisons = []
        self.notes = []

    def add(self, workload, server, unit, runs):
        figure = Figure(workload, server, unit, runs)
        self.figures.append(figure)
        return figure

    def find(self, workload, server):
        for figure in self.figures:
            if figure.workload == workload and figure.server == server:
                return figure
        return None

    def compare(self, workload, server, reference, target=None):
        figure = self.find(workload, server)
        ref = self.find(workload, reference)
        if figure is None or ref is None:
            return None
        comparison = Comparison(figure, ref, target)
        self.comparisons.append(comparison)
        return comparison

    def note(self, text):
        self.notes.append(text)

    def table(self):
        """The results as a Markdown table, one row per figure."""
        rows = ['| workload | server | median [min - max] | ratio: median '
                '[min - max] | target | met |',
                '|---|---|---|---|---|---|']
        for figure in self.figures:
            low, median, high = figure.summary()
            cells = [figure.workload, figure.server,
                     '%s [%s - %s] %s' % (_num(median), _num(low),
                                          _num(high), figure.unit)]
            found = [c for c in self.comparisons if c.figure is figure]
            if not found:
                rows.append('| %s | | | |' % ' | '.join(cells))
            for comparison in found:
                rows.append('| %s | %s | %s | %s |' % (
                    ' | '.join(cells), _ratio_cell(comparison),
                    '%s %g x %s' % (comparison.target[0],
                                    comparison.target[1],
                                    comparison.reference.server)
                    if comparison.target else '',
                    {True: 'yes', False: '**no**', None: ''}[
                        comparison.met()]))
                cells = ['', '', '']
        return '\n'.join(rows + [''] + ['- ' + n for n in self.notes])

    def write_json_lines(self, path, header):
        with open(path, 'w') as f:
            f.write(json.dumps(dict(header, kind='run')) + '\n')
            for item in self.figures + self.comparisons:
                f.write(json.dumps(item.as_json()) + '\n')
            for text in self.notes:
                f.write(json.dumps({'kind': 'note', 'text': text}) + '\n')


def size_label(mib):
    """A size in workload names: '1 GiB', '64 MiB'."""
    return '%d GiB' % (mib // 1024) if mib >= 1024 and mib % 1024 == 0 \
        else '%d MiB' % mib


def _num(value):
    if value >= 100:
        return '%.0f' % value
    if value >= 10:
        return '%.1f' % value
    return '%.3g' % value


def _ratio_cell(comparison):
    low, median, high = comparison.summary()
    return '%.2f [%.2f - %.2f] vs %s' % (median, low, high,
                                         comparison.reference.server)


def machine():
    """What the figures were measured on."""
    with open('/proc/meminfo') as f:
        mem_kib = int(f.readline().split()[1])
    info = {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime(
            '%Y-%m-%d %H:%M UTC'),
        'cpus': os.cpu_count(),
        'memory_gib': round(mem_kib / 1024 / 1024, 1),
        'kernel': platform.release(),
        'python': platform.python_version(),
        # Other work on the machine moves absolute figures: say how much.
        'load_average': [round(x, 2) for x in os.getloadavg()],
    }
    try:
        with open('/etc/debian_version') as f:
            info['debian'] = f.read().strip()
    except OSError:
        pass
    for name, argv in (('nginx', ['nginx', '-v']),
                       ('curl', ['curl', '--version']),
                       ('wrk', ['wrk', '-v'])):
        if shutil.which(name) or os.path.exists('/usr/sbin/' + name):
            out = subprocess.run(argv, capture_output=True, text=True)
            text = (out.stdout + out.stderr).strip().splitlines()
            info[name] = text[0] if text else ''
    return info
