#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The metrics tests' HTTP client and strict exposition parser (t8000-t8020).

  metrics.py fetch URL [text|om] [OUT]   GET URL asking for the format (om: what
                                         Prometheus asks), check status 200 and
                                         the Content-Type, body to OUT or stdout
  metrics.py status URL [METHOD]         the HTTP status of a request
  metrics.py check FILE text|om          parse FILE strictly (see below); exit 1
                                         with the first fault
  metrics.py get FILE NAME [L=V...]      the value of the one sample NAME whose
                                         labels include L=V (V exact, unescaped)
  metrics.py hammer URL N PAR [FILE]     N scrapes, PAR at a time, half of them
                                         asking for OpenMetrics: every response
                                         complete and strictly parsed; the last
                                         one (text) into FILE
  metrics.py watch FILE SECONDS          read FILE over and over for SECONDS
                                         while it is replaced: every read must be
                                         a complete exposition; prints the reads
                                         and the files seen (inode and ctime)
  metrics.py stop PID                    SIGTERM to PID, then the milliseconds
                                         until it has exited (polled each 1 ms)
  metrics.py port PID                    the TCP port PID listens on
  metrics.py listening PORT              exit 0 when something listens on PORT
  metrics.py query URL EXPR              a Prometheus instant query: one line
                                         per series, its labels (JSON) and value
  metrics.py held URL idle|drip SECONDS  one connection, idle or dripping a
                                         request a byte a second: the seconds
                                         until the server closes it, which it
                                         must within SECONDS
  metrics.py crowd URL N idle|drip FROM SCRAPES [SCRAPE_FROM]
                                         N connections held open from FROM (an
                                         IPv4 address, or A-B: each address of
                                         the range in turn), each one the server
                                         closes opened again: idle ones send
                                         nothing, drip ones a request that never
                                         ends, a byte a second; meanwhile
                                         SCRAPES scrapes one after another from
                                         SCRAPE_FROM (default 127.0.0.1), each
                                         with a timeout of 2 s: prints each
                                         one's milliseconds (.1), fails at the
                                         first that fails

The parser holds each format to its rules: HELP and TYPE once per family,
before its samples, families contiguous; sample names as the type wants
(counters _total, histograms _bucket/_sum/_count); label names valid, label
values only with the escapes \\\\ \\" \\n and valid UTF-8; no series twice;
histogram buckets in ascending le order, cumulative, ending at +Inf equal to
_count.  OpenMetrics: integral le values in the canonical form (1.0), UNIT
matching the name's suffix, and "# EOF" as the last line.
"""
import http.client
import ipaddress
import json
import math
import os
import re
import selectors
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

PROM_ACCEPT = ('application/openmetrics-text;version=1.0.0,'
               'application/openmetrics-text;version=0.0.1;q=0.75,'
               'text/plain;version=0.0.4;q=0.5,*/*;q=0.1')
NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')


class Fault(Exception):
    pass


def fetch(url, fmt='text', method='GET'):
    req = urllib.request.Request(url, method=method)
    req.add_header('Accept', PROM_ACCEPT if fmt == 'om' else 'text/plain;version=0.0.4')
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get('Content-Type', ''), r.read()


def parse_labels(s, i, line):
    """Labels from s[i] == '{' to its '}': ([(name, value)], index after)."""
    labels = []
    i += 1
    while True:
        if s[i] == '}':
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Fault('bad label name in: %r' % line)
        name = m.group(0)
        if name.startswith('__'):
            raise Fault('reserved label name %s' % name)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Fault('expected =" after %s in: %r' % (name, line))
        i += 2
        v = []
        while s[i] != '"':
            if s[i] == '\\':
                esc = s[i + 1]
                if esc not in '\\"n':
                    raise Fault('bad escape \\%s in: %r' % (esc, line))
                v.append('\n' if esc == 'n' else esc)
                i += 2
            else:
                if s[i] == '\n':
                    raise Fault('raw newline in a label value')
                v.append(s[i])
                i += 1
        labels.append((name, ''.join(v)))
        i += 1
        if s[i] == ',':
            i += 1
            if s[i] == '}':
                raise Fault('trailing comma in: %r' % line)
        elif s[i] != '}':
            raise Fault('expected , or } in: %r' % line)


def parse_value(s, om):
    if s in ('+Inf', '-Inf', 'NaN'):
        return float(s.replace('Inf', 'inf').replace('NaN', 'nan'))
    if not re.fullmatch(r'[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?', s):
        raise Fault('bad number %r' % s)
    return float(s)


def parse(data, fmt):
    """{(name, labels tuple): value}, families {name: type}; raises Fault."""
    om = fmt == 'om'
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        raise Fault('not UTF-8: %s' % e)
    if not text.endswith('\n'):
        raise Fault('does not end with a newline (cut short?)')
    lines = text[:-1].split('\n')
    if om:
        if not lines or lines[-1] != '# EOF':
            raise Fault('OpenMetrics without "# EOF" at the end')
        lines = lines[:-1]
    elif '# EOF' in lines:
        raise Fault('"# EOF" in the text format')
    families, help_seen, done, samples = {}, set(), set(), {}
    units = {}
    cur = None
    hist = {}
    for line in lines:
        if line.startswith('#'):
            parts = line.split(' ', 3)
            if len(parts) < 3 or parts[1] not in ('HELP', 'TYPE', 'UNIT'):
                if om:
                    raise Fault('stray comment in OpenMetrics: %r' % line)
                continue
            kind, name = parts[1], parts[2]
            if not NAME.fullmatch(name):
                raise Fault('bad metric name %r' % name)
            if cur != name:
                if name in done or name in families or name in help_seen:
                    raise Fault('family %s is not contiguous' % name)
                if cur:
                    done.add(cur)
                cur = name
            if kind == 'HELP':
                if name in help_seen:
                    raise Fault('second HELP for %s' % name)
                help_seen.add(name)
            elif kind == 'TYPE':
                t = parts[3] if len(parts) > 3 else ''
                if name in families or t not in ('counter', 'gauge', 'histogram'):
                    raise Fault('bad or second TYPE: %r' % line)
                if not om and t == 'counter' and not name.endswith('_total'):
                    raise Fault('text-format counter family without _total: %s' % name)
                if om and t == 'counter' and name.endswith('_total'):
                    raise Fault('OpenMetrics counter family named with _total: %s' % name)
                families[name] = t
            else:
                if not om:
                    raise Fault('UNIT in the text format')
                u = parts[3] if len(parts) > 3 else ''
                if not name.endswith('_' + u):
                    raise Fault('UNIT %s is not the suffix of %s' % (u, name))
                units[name] = u
            continue
        m = NAME.match(line)
        if not m:
            raise Fault('bad sample line %r' % line)
        sname = m.group(0)
        i = m.end()
        labels = []
        if i < len(line) and line[i] == '{':
            labels, i = parse_labels(line, i, line)
        if line[i:i + 1] != ' ':
            raise Fault('expected a space before the value: %r' % line)
        rest = line[i + 1:].split(' ')
        if len(rest) != 1:
            raise Fault('timestamps or junk after the value: %r' % line)
        value = parse_value(rest[0], om)
        names = [n for n, _ in labels]
        if len(set(names)) != len(names):
            raise Fault('a label twice: %r' % line)
        t = families.get(cur)
        if t is None:
            raise Fault('sample before its TYPE: %r' % line)
        if t == 'counter':
            want = [cur] if not om else [cur + '_total']
        elif t == 'gauge':
            want = [cur]
        else:
            want = [cur + s for s in ('_bucket', '_sum', '_count')]
        if sname not in want:
            raise Fault('sample %s in family %s (%s)' % (sname, cur, t))
        if t == 'counter' and (value < 0 or math.isnan(value)):
            raise Fault('negative counter %r' % line)
        key = (sname, tuple(sorted(labels)))
        if key in samples:
            raise Fault('series twice: %r' % line)
        samples[key] = value
        if t == 'histogram':
            base = tuple(sorted((n, v) for n, v in labels if n != 'le'))
            h = hist.setdefault((cur, base), {'le': [], 'sum': None, 'count': None})
            if sname.endswith('_bucket'):
                le = dict(labels).get('le')
                if le is None:
                    raise Fault('bucket without le: %r' % line)
                if om and le != '+Inf' and '.' not in le and 'e' not in le:
                    raise Fault('OpenMetrics le not canonical: %r' % le)
                h['le'].append((parse_value(le, om), value))
            elif sname.endswith('_sum'):
                h['sum'] = value
            else:
                h['count'] = value
    for (name, base), h in hist.items():
        les = h['le']
        if not les or les[-1][0] != math.inf:
            raise Fault('%s%s: no +Inf bucket last' % (name, base))
        for (a, ca), (b, cb) in zip(les, les[1:]):
            if not a < b or cb < ca:
                raise Fault('%s%s: buckets not ascending and cumulative' % (name, base))
        if h['count'] != les[-1][1]:
            raise Fault('%s%s: _count %s is not the +Inf bucket %s' %
                        (name, base, h['count'], les[-1][1]))
    return samples, families


def get(samples, name, want):
    hits = [v for (n, labels), v in samples.items()
            if n == name and all(p in labels for p in want)]
    if len(hits) != 1:
        raise Fault('%d samples %s with %s' % (len(hits), name, want))
    return hits[0]


def show(v):
    return str(int(v)) if v == int(v) else repr(v)


def calls(samples):
    return sum(v for (n, _), v in samples.items() if n == 'upx_probe_calls_total')


def hammer(url, n, par, out):
    """Sequentially (par 1), the calls counted never go down from one scrape to the next."""
    errors, lock, left = [], threading.Lock(), [n]
    last = [None]
    seen = [-1]

    def worker(k):
        while True:
            with lock:
                if left[0] <= 0 or errors:
                    return
                left[0] -= 1
                i = left[0]
            fmt = 'om' if i % 2 else 'text'
            try:
                st, ct, body = fetch(url, fmt)
                want = 'application/openmetrics-text' if fmt == 'om' else 'text/plain'
                if st != 200 or not ct.startswith(want):
                    raise Fault('status %s, Content-Type %s' % (st, ct))
                samples, _ = parse(body, fmt)
                c = calls(samples)
                with lock:
                    if par == 1 and c < seen[0]:
                        raise Fault('calls went down: %s after %s' % (c, seen[0]))
                    seen[0] = max(seen[0], c)
                if fmt == 'text':
                    last[0] = body
            except Exception as e:  # noqa: BLE001 - any failure fails the run
                with lock:
                    errors.append('%s scrape %d: %s' % (fmt, i, e))
                return

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(par)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise Fault(errors[0])
    if out and last[0] is not None:
        with open(out, 'wb') as f:
            f.write(last[0])
    print(n)


def watch(path, seconds):
    end, reads, inodes = time.monotonic() + seconds, 0, set()
    while time.monotonic() < end:
        with open(path, 'rb') as f:
            st = os.fstat(f.fileno())
            # an inode number is reused once the file renamed over is gone
            inodes.add((st.st_ino, st.st_ctime_ns))
            data = f.read()
        try:
            parse(data, 'text')
        except Fault as e:
            raise Fault('read %d: %s' % (reads, e))
        reads += 1
    print(reads, len(inodes))


def stop(pid):
    t = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    while True:
        try:
            with open('/proc/%d/stat' % pid) as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            break
        if state in 'ZX':
            break
        if time.monotonic() - t > 5:
            raise Fault('%d still running 5 s after SIGTERM' % pid)
        time.sleep(0.001)
    print(int((time.monotonic() - t) * 1000))


def listen_sockets():
    """{inode: port} of the TCP sockets that listen."""
    out = {}
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(name) as f:
                for line in f.readlines()[1:]:
                    fields = line.split()
                    if fields[3] == '0A':
                        out[fields[9]] = int(fields[1].rsplit(':', 1)[1], 16)
        except OSError:
            pass
    return out


def port_of(pid):
    socks = listen_sockets()
    ports = set()
    for fd in os.listdir('/proc/%d/fd' % pid):
        try:
            link = os.readlink('/proc/%d/fd/%s' % (pid, fd))
        except OSError:
            continue
        m = re.fullmatch(r'socket:\[(\d+)\]', link)
        if m and m.group(1) in socks:
            ports.add(socks[m.group(1)])
    if len(ports) != 1:
        raise Fault('process %d listens on %s' % (pid, sorted(ports) or 'no port'))
    return ports.pop()


def query(url, expr):
    q = urllib.parse.urlencode({'query': expr})
    with urllib.request.urlopen(url + '/api/v1/query?' + q, timeout=10) as r:
        res = json.load(r)
    if res.get('status') != 'success':
        raise Fault('query %s: %s' % (expr, res))
    for s in sorted(res['data']['result'], key=lambda s: json.dumps(s['metric'], sort_keys=True)):
        print(json.dumps(s['metric'], sort_keys=True), s['value'][1])


def sources(spec):
    """'A' or 'A-B' (IPv4 addresses) -> the addresses, as text."""
    if '-' not in spec:
        return [spec]
    a, b = (int(ipaddress.IPv4Address(x)) for x in spec.split('-', 1))
    return [str(ipaddress.IPv4Address(x)) for x in range(a, b + 1)]


class Crowd:
    """N connections kept open to (host, port) from the addresses srcs, in a thread."""
    DRIP = b'GET /metrics HTTP/1.1\r\nHost: crowd\r\nX-Slow: ' + b'a' * 100000

    def __init__(self, host, port, n, kind, srcs):
        self.addr, self.kind, self.srcs = (host, port), kind, srcs
        self.sel = selectors.DefaultSelector()
        self.socks = [None] * n
        self.sent = [0] * n
        self.opened = 0
        self.done = threading.Event()
        self.ready = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self, i):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((self.srcs[i % len(self.srcs)], 0))
        # not waited for: past the listen backlog a server that does not accept leaves it pending
        s.setblocking(False)
        s.connect_ex(self.addr)
        self.socks[i], self.sent[i] = s, 0
        self.sel.register(s, selectors.EVENT_READ, i)
        self.opened += 1

    def connected(self):
        n = 0
        for s in list(self.socks):
            try:
                s.getpeername()
                n += 1
            except (OSError, AttributeError):
                pass  # not connected yet, or closed (None) and about to be opened again
        return n

    def settle(self):
        """Up to 3 s for every connection to be established (by the kernel's backlog or an accept)."""
        end = time.monotonic() + 3
        while self.connected() < len(self.socks) and time.monotonic() < end:
            time.sleep(0.01)

    def close(self, i):
        self.sel.unregister(self.socks[i])
        self.socks[i].close()
        self.socks[i] = None

    def run(self):
        try:
            for i in range(len(self.socks)):
                self.open(i)
            self.settle()
            self.ready.set()
            next_drip = time.monotonic()
            while not self.done.is_set():
                for key, _ in self.sel.select(timeout=0.05):
                    i = key.data
                    try:
                        data = self.socks[i].recv(65536)
                    except OSError:
                        data = b''
                    if not data:
                        self.close(i)
                        self.open(i)
                if self.kind == 'drip' and time.monotonic() >= next_drip:
                    next_drip += 1
                    for i, s in enumerate(self.socks):
                        try:
                            s.send(self.DRIP[self.sent[i]:self.sent[i] + 1])
                            self.sent[i] += 1
                        except OSError:
                            pass  # closed: the select above opens it again
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e
            self.ready.set()
        finally:
            for s in self.socks:
                if s:
                    s.close()


def scrape_from(url, src):
    """One scrape from address src, with a timeout of 2 s: its milliseconds (a float)."""
    u = urllib.parse.urlsplit(url)
    t = time.monotonic()
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=2, source_address=(src, 0))
    try:
        c.request('GET', u.path, headers={'Accept': 'text/plain;version=0.0.4'})
        r = c.getresponse()
        body = r.read()
    finally:
        c.close()
    if r.status != 200:
        raise Fault('status %s' % r.status)
    parse(body, 'text')
    return (time.monotonic() - t) * 1000


def held(url, kind, seconds):
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port), timeout=5)
    t = time.monotonic()
    try:
        i = 0
        while True:
            left = t + seconds - time.monotonic()
            if left <= 0:
                raise Fault('%s connection still open after %s s' % (kind, seconds))
            s.settimeout(min(left, 1.0))
            try:
                if not s.recv(65536):
                    break
            except socket.timeout:
                if kind == 'drip':
                    s.send(Crowd.DRIP[i:i + 1])
                    i += 1
            except ConnectionResetError:
                break
    finally:
        s.close()
    print('%.1f' % (time.monotonic() - t))


def crowd(url, n, kind, spec, scrapes, src):
    if kind not in ('idle', 'drip'):
        raise Fault('idle or drip, not %s' % kind)
    u = urllib.parse.urlsplit(url)
    cr = Crowd(u.hostname, u.port, n, kind, sources(spec))
    cr.thread.start()
    cr.ready.wait()
    try:
        if cr.error:
            raise Fault('the crowd: %s' % cr.error)
        print('crowd: %d of %d connections established' % (cr.connected(), n), file=sys.stderr)
        # the drip ones have sent a byte or two: their requests are under way
        if kind == 'drip':
            time.sleep(1.5)
        for k in range(scrapes):
            try:
                ms = scrape_from(url, src)
            except Exception as e:  # noqa: BLE001 - any failure fails the run
                raise Fault('scrape %d of %d, with %d %s connections open: %s' %
                            (k + 1, scrapes, n, kind, e))
            print('%.1f' % ms, flush=True)
            if cr.error:
                raise Fault('the crowd: %s' % cr.error)
    finally:
        cr.done.set()
        cr.thread.join()
    print('crowd: %d connections opened' % cr.opened, file=sys.stderr)


def main(argv):
    cmd = argv[1]
    if cmd == 'fetch':
        fmt = argv[3] if len(argv) > 3 else 'text'
        st, ct, body = fetch(argv[2], fmt)
        want = 'application/openmetrics-text; version=1.0.0' if fmt == 'om' else \
            'text/plain; version=0.0.4'
        if st != 200 or not ct.startswith(want):
            raise Fault('status %s, Content-Type %s' % (st, ct))
        if len(argv) > 4:
            with open(argv[4], 'wb') as f:
                f.write(body)
        else:
            sys.stdout.buffer.write(body)
    elif cmd == 'status':
        try:
            st = fetch(argv[2], 'text', argv[3] if len(argv) > 3 else 'GET')[0]
        except urllib.error.HTTPError as e:
            st = e.code
        print(st)
    elif cmd == 'check':
        with open(argv[2], 'rb') as f:
            parse(f.read(), argv[3])
    elif cmd == 'get':
        with open(argv[2], 'rb') as f:
            data = f.read()
        fmt = 'om' if data.endswith(b'# EOF\n') else 'text'
        samples, _ = parse(data, fmt)
        print(show(get(samples, argv[3], [tuple(a.split('=', 1)) for a in argv[4:]])))
    elif cmd == 'hammer':
        hammer(argv[2], int(argv[3]), int(argv[4]), argv[5] if len(argv) > 5 else None)
    elif cmd == 'watch':
        watch(argv[2], float(argv[3]))
    elif cmd == 'stop':
        stop(int(argv[2]))
    elif cmd == 'port':
        print(port_of(int(argv[2])))
    elif cmd == 'listening':
        sys.exit(0 if int(argv[2]) in listen_sockets().values() else 1)
    elif cmd == 'query':
        query(argv[2], argv[3])
    elif cmd == 'held':
        held(argv[2], argv[3], float(argv[4]))
    elif cmd == 'crowd':
        crowd(argv[2], int(argv[3]), argv[4], argv[5], int(argv[6]),
              argv[7] if len(argv) > 7 else '127.0.0.1')
    else:
        raise Fault('unknown command %s' % cmd)


if __name__ == '__main__':
    try:
        main(sys.argv)
    except Exception as e:  # noqa: BLE001 - one line, exit 1, whatever failed
        print('metrics.py: %s' % e, file=sys.stderr)
        sys.exit(1)
