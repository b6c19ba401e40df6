// ptx-emulator web UI: a single page over the JSON query API (emulator/README.md). Views are
// addressed by the URL fragment (#/traces, #/trace/{id}, #/logs, #/metrics, #/sls/{p}/{ls}) and
// refreshed by polling while "live" is on. Every value from the emulator reaches the DOM as
// text (never as HTML), since spans and logs carry whatever the application sent.
'use strict';

const POLL_MS = 2000;
const SVG_NS = 'http://www.w3.org/2000/svg';

// ---- small DOM helpers ------------------------------------------------------------------------

function build(ns, tag, attrs, children) {
  const el = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') el.textContent = value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
const h = (tag, attrs, ...children) => build(null, tag, attrs, children);
const s = (tag, attrs, ...children) => build(SVG_NS, tag, attrs, children);

async function api(path) {
  const res = await fetch(path, {cache: 'no-store'});
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || `${path}: HTTP ${res.status}`);
  return body;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '' && value !== false) q.set(key, value);
  }
  const text = q.toString();
  return text ? '?' + text : '';
}

// ---- formatting -------------------------------------------------------------------------------

// Nanosecond strings exceed 2^53; BigInt keeps them exact until they become offsets.
const big = (ns) => BigInt(ns || '0');

function formatTime(ns) {
  if (!ns || ns === '0') return '';
  const ms = Number(big(ns) / 1000000n);
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function formatDuration(ns) {
  const n = Number(ns);
  if (n < 1e3) return `${n} ns`;
  if (n < 1e6) return `${(n / 1e3).toFixed(2)} µs`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} ms`;
  return `${(n / 1e9).toFixed(3)} s`;
}

// The text form of a typed value ({"type", "value"}), as the query API's filters use it.
function valueText(typed) {
  if (!typed) return '';
  const {type, value} = typed;
  switch (type) {
    case 'array': return '[' + value.map(valueText).join(', ') + ']';
    case 'kvlist': return '{' + Object.entries(value).map(([k, v]) => `${k}: ${valueText(v)}`).join(', ') + '}';
    case 'empty': return 'null';
    default: return String(value);
  }
}

function valueNumber(typed) {
  if (!typed || typed.value === null) return NaN;
  return Number(typed.value);
}

function formatNumber(n) {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

function severityClass(number) {
  if (number >= 21) return 'fatal';
  if (number >= 17) return 'error';
  if (number >= 13) return 'warn';
  if (number >= 9) return 'info';
  if (number >= 5) return 'debug';
  return 'trace';
}
const SEVERITIES = [['', 'any'], ['1', 'TRACE+'], ['5', 'DEBUG+'], ['9', 'INFO+'], ['13', 'WARN+'],
                    ['17', 'ERROR+'], ['21', 'FATAL']];

function attributesTable(attributes, className) {
  const entries = Object.entries(attributes || {});
  if (!entries.length) return h('div', {class: 'muted', text: 'none'});
  return h('table', {class: 'kv ' + (className || '')},
    entries.map(([key, value]) => h('tr', {'data-key': key},
      h('td', {class: 'mono', text: key}),
      h('td', {class: 'mono', title: value.type, text: valueText(value)}))));
}

function compactAttributes(attributes) {
  return Object.entries(attributes || {}).map(([k, v]) => `${k}=${valueText(v)}`).join(' ');
}

// ---- routing and polling ----------------------------------------------------------------------

function parseRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, search] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return {view: parts[0] || 'traces', parts: parts.slice(1), params: new URLSearchParams(search || '')};
}

function go(view, parts, params) {
  const path = [view, ...(parts || [])].map(encodeURIComponent).join('/');
  location.hash = '#/' + path + query(params || {});
}

let current = null;  // {update} of the mounted view
let updating = false;

function setStatus(text, error) {
  const el = document.getElementById('status');
  el.textContent = text;
  el.className = error ? 'error' : '';
}

async function refresh() {
  if (!current || updating) return;
  updating = true;
  const mounted = current;
  try {
    await mounted.update();
    const stats = await api('/api/stats');
    document.getElementById('stats').textContent =
      `spans ${stats.store.spans} · logs ${stats.log_store.logs} · ` +
      `metric points ${stats.metric_store.points} · SLS logs ${stats.sls_store.logs}`;
    setStatus('updated ' + new Date().toLocaleTimeString());
  } catch (err) {
    setStatus(String(err.message || err), true);
  } finally {
    updating = false;
  }
}

function mount() {
  const route = parseRoute();
  const view = VIEWS[route.view] ? route.view : 'traces';
  const nav = view === 'trace' ? 'traces' : view;
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', a.dataset.view === nav);
  }
  const root = document.getElementById('view');
  root.replaceChildren();
  root.dataset.view = view;
  setStatus('loading…');
  current = VIEWS[view](root, route);
  updating = false;
  refresh();
}

// Re-renders `container` only when the data changed, so that polling keeps scroll and focus.
function renderIfChanged(container, data, render) {
  const key = JSON.stringify(data);
  if (container.dataset.key === key) return;
  container.dataset.key = key;
  container.replaceChildren(...[render(data)].flat(Infinity));
}

function filterBar(route, fields, view) {
  const inputs = {};
  const apply = () => {
    const params = {};
    for (const [name, input] of Object.entries(inputs)) {
      params[name] = input.type === 'checkbox' ? (input.checked ? 'true' : '') : input.value.trim();
    }
    go(view, [], params);
  };
  const bar = h('form', {class: 'filters', onsubmit: (e) => { e.preventDefault(); apply(); }});
  for (const field of fields) {
    const value = route.params.get(field.name) || '';
    let input;
    if (field.options) {
      input = h('select', {name: field.name, onchange: apply},
        field.options.map(([v, label]) => h('option', {value: v, selected: v === value, text: label})));
    } else if (field.type === 'checkbox') {
      input = h('input', {type: 'checkbox', name: field.name, checked: value === 'true', onchange: apply});
    } else {
      input = h('input', {type: field.type || 'text', name: field.name, value, placeholder: field.placeholder,
                          list: field.list, step: field.step, min: field.min, onchange: apply});
    }
    inputs[field.name] = input;
    bar.append(h('label', {}, field.label + ' ', input));
  }
  bar.append(h('button', {type: 'submit', text: 'Apply'}),
             h('button', {type: 'button', text: 'Clear', onclick: () => go(view, [], {})}));
  return bar;
}

// ---- traces -----------------------------------------------------------------------------------

const seenServices = new Set();

function tracesView(root, route) {
  const datalist = h('datalist', {id: 'services'});
  const summary = h('div', {class: 'muted', id: 'trace-summary'});
  const results = h('div', {id: 'trace-list'});
  root.append(h('h2', {text: 'Traces'}), datalist,
    filterBar(route, [
      {name: 'service', label: 'Service', list: 'services', placeholder: 'any'},
      {name: 'name', label: 'Span name', placeholder: 'any'},
      {name: 'min_duration_ms', label: 'Min duration (ms)', type: 'number', step: 'any', min: '0'},
      {name: 'error', label: 'Errors only', type: 'checkbox'},
    ], 'traces'), summary, results);

  return {
    async update() {
      const params = {limit: 200};
      for (const key of ['service', 'name', 'min_duration_ms', 'error']) params[key] = route.params.get(key);
      const data = await api('/api/traces' + query(params));
      summary.textContent = `${data.traces.length} shown of ${data.total} matching`;
      for (const t of data.traces) for (const service of t.services) seenServices.add(service);
      renderIfChanged(datalist, [...seenServices].sort(),
        (names) => names.map((name) => h('option', {value: name})));
      renderIfChanged(results, data.traces, (traces) => {
        if (!traces.length) return h('div', {class: 'empty', text: 'No traces yet.'});
        return h('table', {id: 'traces-table'},
          h('thead', {}, h('tr', {}, ['Start', 'Service', 'Root span', 'Duration', 'Spans', '', 'Trace ID']
            .map((title) => h('th', {text: title})))),
          h('tbody', {}, traces.map((t) => h('tr', {
            class: 'clickable trace-row', 'data-trace-id': t.trace_id,
            onclick: () => go('trace', [t.trace_id]),
          },
            h('td', {class: 'mono', text: formatTime(t.start_ns)}),
            h('td', {class: 'service', text: t.services.length > 1 ? `${t.service} (+${t.services.length - 1})` : t.service}),
            h('td', {class: 'root-name', text: t.root_name}),
            h('td', {class: 'num duration', text: formatDuration(t.duration_ns)}),
            h('td', {class: 'num span-count', text: t.span_count}),
            h('td', {class: 'error-cell'}, t.error ? h('span', {class: 'err-badge', text: 'ERROR'}) : null),
            h('td', {class: 'mono'}, h('a', {href: `#/trace/${t.trace_id}`, text: t.trace_id}))))));
      });
    },
  };
}

// ---- one trace: waterfall and span details ----------------------------------------------------

// Spans in tree order (parents before children, siblings by start), with their depth.
function treeOrder(spans) {
  const byId = new Map(spans.map((span) => [span.span_id, span]));
  const children = new Map();
  const roots = [];
  for (const span of spans) {
    if (span.parent_span_id && byId.has(span.parent_span_id)) {
      if (!children.has(span.parent_span_id)) children.set(span.parent_span_id, []);
      children.get(span.parent_span_id).push(span);
    } else {
      roots.push(span);
    }
  }
  const out = [];
  const visit = (span, depth) => {
    out.push({span, depth});
    for (const child of children.get(span.span_id) || []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);  // spans arrive sorted by start time
  return out;
}

function traceView(root, route) {
  const traceId = (route.parts[0] || '').toLowerCase();
  let selected = route.params.get('span') || '';
  let spans = [];
  const header = h('div', {id: 'trace-header'});
  const waterfall = h('div', {class: 'waterfall', id: 'waterfall'});
  const detail = h('div', {class: 'detail', id: 'span-detail'});
  root.append(h('div', {}, h('a', {href: '#/traces', text: '← all traces'})), header,
              h('div', {class: 'split'}, waterfall, detail));

  const select = (spanId) => {
    selected = spanId;
    for (const row of waterfall.querySelectorAll('.span-row')) {
      row.classList.toggle('selected', row.dataset.spanId === spanId);
    }
    const span = spans.find((candidate) => candidate.span_id === spanId);
    detail.replaceChildren(...(span ? spanDetail(span) : [h('div', {class: 'muted', text: 'Select a span.'})]));
  };

  return {
    async update() {
      let data;
      try {
        data = await api(`/api/traces/${encodeURIComponent(traceId)}`);
      } catch (err) {
        header.replaceChildren(h('h2', {text: `Trace ${traceId}`}), h('div', {class: 'empty', text: err.message}));
        return;
      }
      if (waterfall.dataset.key === JSON.stringify(data)) return;
      waterfall.dataset.key = JSON.stringify(data);
      spans = data.spans;
      const start = spans.reduce((min, sp) => (big(sp.start_time_unix_nano) < min ? big(sp.start_time_unix_nano) : min),
                                 big(spans[0].start_time_unix_nano));
      const end = spans.reduce((max, sp) => (big(sp.end_time_unix_nano) > max ? big(sp.end_time_unix_nano) : max),
                               big(spans[0].end_time_unix_nano));
      const total = Number(end - start) || 1;
      const ordered = treeOrder(spans);
      const rootSpan = ordered[0].span;
      const services = [...new Set(spans.map((sp) => sp.service))].sort();
      const errors = spans.filter((sp) => sp.status.code === 'error').length;
      header.replaceChildren(
        h('h2', {}, h('span', {id: 'trace-root-name', text: rootSpan.name}), ' ',
          h('span', {class: 'muted', text: `· ${services.join(', ')} · ${formatDuration(Number(end - start))} · ` +
                                            `${spans.length} spans`}),
          errors ? [' ', h('span', {class: 'err-badge', text: `${errors} ERROR`})] : null),
        h('div', {class: 'muted mono'}, `trace ${data.trace_id} · started ${formatTime(String(start))} · `,
          h('a', {href: `#/logs?trace_id=${data.trace_id}`, text: 'logs of this trace'})));
      waterfall.replaceChildren(...ordered.map(({span, depth}) => {
        const offset = Number(big(span.start_time_unix_nano) - start);
        const duration = Number(span.duration_ns);
        const left = (offset / total) * 100;
        const width = Math.max((duration / total) * 100, 0.2);
        return h('div', {class: 'span-row', 'data-span-id': span.span_id, onclick: () => select(span.span_id)},
          h('div', {class: 'span-label', style: `padding-left:${6 + depth * 14}px`, title: span.name},
            h('span', {class: 'span-name', text: span.name}), ' ',
            h('span', {class: 'muted', text: span.service})),
          h('div', {class: 'span-track'},
            h('div', {class: 'span-bar' + (span.status.code === 'error' ? ' error' : ''),
                      style: `left:${left}%;width:${width}%`}),
            h('div', {class: 'span-dur', style: left + width > 80 ? `right:${100 - left + 1}%` : `left:${left + width + 0.5}%`,
                      text: formatDuration(duration)})));
      }));
      select(spans.some((sp) => sp.span_id === selected) ? selected : rootSpan.span_id);
    },
  };
}

function spanDetail(span) {
  const start = big(span.start_time_unix_nano);
  const row = (label, ...value) => h('tr', {}, h('td', {text: label}), h('td', {}, ...value));
  const status = span.status.code === 'error'
    ? [h('span', {class: 'err-badge', text: 'ERROR'}), ' ', span.status.message]
    : [span.status.code, span.status.message ? ` ${span.status.message}` : ''];
  return [
    h('h3', {class: 'detail-name', text: span.name}),
    h('table', {class: 'kv', id: 'span-fields'},
      row('span id', h('span', {class: 'mono', text: span.span_id})),
      row('parent', h('span', {class: 'mono', text: span.parent_span_id || '(root)'})),
      row('kind', span.kind),
      row('status', h('span', {class: 'span-status'}, status)),
      row('start', h('span', {class: 'mono', text: formatTime(span.start_time_unix_nano)})),
      row('duration', h('span', {class: 'span-duration', text: formatDuration(span.duration_ns)})),
      row('service', span.service),
      row('scope', `${span.scope.name}${span.scope.version ? ' ' + span.scope.version : ''}`)),
    h('h3', {text: 'Attributes'}), attributesTable(span.attributes, 'span-attributes'),
    h('h3', {text: `Events (${span.events.length})`}),
    h('div', {class: 'span-events'}, span.events.map((event) => h('div', {class: 'event'},
      h('div', {}, h('b', {class: 'event-name', text: event.name}), ' ',
        h('span', {class: 'muted', text: '+' + formatDuration(Number(big(event.time_unix_nano) - start))})),
      attributesTable(event.attributes)))),
    h('h3', {text: `Links (${span.links.length})`}),
    h('div', {class: 'span-links'}, span.links.map((link) => h('div', {class: 'link'},
      h('a', {class: 'mono', href: `#/trace/${link.trace_id}?span=${link.span_id}`,
              text: `${link.trace_id} / ${link.span_id}`}),
      attributesTable(link.attributes)))),
    h('h3', {text: 'Resource'}), attributesTable(span.resource.attributes, 'resource-attributes'),
  ];
}

// ---- logs -------------------------------------------------------------------------------------

function logsView(root, route) {
  const summary = h('div', {class: 'muted', id: 'log-summary'});
  const results = h('div', {id: 'log-list'});
  root.append(h('h2', {text: 'Logs'}),
    filterBar(route, [
      {name: 'text', label: 'Search', placeholder: 'text in the body'},
      {name: 'severity_min', label: 'Severity', options: SEVERITIES},
      {name: 'service', label: 'Service', placeholder: 'any'},
      {name: 'trace_id', label: 'Trace ID', placeholder: 'any'},
    ], 'logs'), summary, results);

  return {
    async update() {
      const params = {limit: 500};
      for (const key of ['text', 'severity_min', 'service', 'trace_id']) params[key] = route.params.get(key);
      const data = await api('/api/logs' + query(params));
      summary.textContent = `${data.logs.length} shown of ${data.total} matching`;
      renderIfChanged(results, data.logs, (logs) => {
        if (!logs.length) return h('div', {class: 'empty', text: 'No log records match.'});
        return h('table', {id: 'logs-table'},
          h('thead', {}, h('tr', {}, ['Time', 'Severity', 'Service', 'Body', 'Attributes', 'Trace']
            .map((title) => h('th', {text: title})))),
          h('tbody', {}, logs.map((log) => h('tr', {class: 'log-row'},
            h('td', {class: 'mono', text: formatTime(log.time_unix_nano !== '0' ? log.time_unix_nano
                                                                            : log.observed_time_unix_nano)}),
            h('td', {}, h('span', {class: `sev sev-${severityClass(log.severity_number)}`,
                                   title: `severity ${log.severity_number}`,
                                   text: log.severity_text || String(log.severity_number)})),
            h('td', {class: 'service', text: log.service}),
            h('td', {class: 'body', text: valueText(log.body)}),
            h('td', {class: 'mono muted', text: compactAttributes(log.attributes)}),
            h('td', {}, log.trace_id
              ? h('a', {class: 'trace-link', href: `#/trace/${log.trace_id}${log.span_id ? '?span=' + log.span_id : ''}`,
                        text: 'trace'})
              : null)))));
      });
    },
  };
}

// ---- metrics ----------------------------------------------------------------------------------

const CHART_W = 360, CHART_H = 140, PAD_L = 48, PAD_R = 8, PAD_T = 8, PAD_B = 18;

function lineChart(points) {
  const values = points.map((p) => ({t: big(p.time_unix_nano), v: valueNumber(p.value)}))
    .filter((p) => Number.isFinite(p.v)).slice(-300);
  const svg = s('svg', {class: 'chart line-chart', viewBox: `0 0 ${CHART_W} ${CHART_H}`,
                        preserveAspectRatio: 'none', 'data-points': values.length});
  if (!values.length) return svg;
  const t0 = values[0].t, t1 = values[values.length - 1].t;
  const span = Number(t1 - t0) || 1;
  let lo = Math.min(0, ...values.map((p) => p.v)), hi = Math.max(...values.map((p) => p.v));
  if (hi === lo) hi = lo + 1;
  const x = (t) => PAD_L + (values.length === 1 ? (CHART_W - PAD_L - PAD_R) / 2
                                                : (Number(t - t0) / span) * (CHART_W - PAD_L - PAD_R));
  const y = (v) => PAD_T + (1 - (v - lo) / (hi - lo)) * (CHART_H - PAD_T - PAD_B);
  const path = values.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
  svg.append(
    s('line', {class: 'axis', x1: PAD_L, y1: PAD_T, x2: PAD_L, y2: CHART_H - PAD_B}),
    s('line', {class: 'axis', x1: PAD_L, y1: CHART_H - PAD_B, x2: CHART_W - PAD_R, y2: CHART_H - PAD_B}),
    s('text', {x: PAD_L - 4, y: PAD_T + 8, 'text-anchor': 'end', text: formatNumber(hi)}),
    s('text', {x: PAD_L - 4, y: CHART_H - PAD_B, 'text-anchor': 'end', text: formatNumber(lo)}),
    s('text', {x: PAD_L, y: CHART_H - 4, text: formatTime(String(t0)).slice(11, 19)}),
    s('text', {x: CHART_W - PAD_R, y: CHART_H - 4, 'text-anchor': 'end', text: formatTime(String(t1)).slice(11, 19)}),
    s('path', {class: 'line', d: path}),
    ...values.slice(-60).map((p) => s('circle', {class: 'dot', cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 2.5},
      s('title', {text: `${formatTime(String(p.t))}: ${formatNumber(p.v)}`}))));
  return svg;
}

function histogramChart(point) {
  const counts = point.bucket_counts.map(Number);
  const bounds = point.explicit_bounds;
  const labels = counts.map((_, i) => (i < bounds.length ? `≤${formatNumber(Number(bounds[i]))}`
                                                         : `>${formatNumber(Number(bounds[bounds.length - 1] ?? 0))}`));
  const svg = s('svg', {class: 'chart histogram-chart', viewBox: `0 0 ${CHART_W} ${CHART_H}`,
                        preserveAspectRatio: 'none', 'data-buckets': counts.length});
  const max = Math.max(1, ...counts);
  const slot = (CHART_W - PAD_L - PAD_R) / Math.max(1, counts.length);
  svg.append(s('line', {class: 'axis', x1: PAD_L, y1: CHART_H - PAD_B, x2: CHART_W - PAD_R, y2: CHART_H - PAD_B}),
             s('text', {x: PAD_L - 4, y: PAD_T + 8, 'text-anchor': 'end', text: String(max)}));
  counts.forEach((count, i) => {
    const height = (count / max) * (CHART_H - PAD_T - PAD_B - 10);
    const x = PAD_L + i * slot;
    svg.append(...[
      s('rect', {class: 'bar', x: (x + 1).toFixed(1), width: Math.max(1, slot - 2).toFixed(1),
                 y: (CHART_H - PAD_B - height).toFixed(1), height: height.toFixed(1),
                 'data-bucket': labels[i], 'data-count': count},
        s('title', {text: `${labels[i]}: ${count}`})),
      count ? s('text', {x: (x + slot / 2).toFixed(1), y: (CHART_H - PAD_B - height - 2).toFixed(1),
                         'text-anchor': 'middle', text: String(count)}) : null,
      (counts.length <= 12 || i % 2 === 0)
        ? s('text', {x: (x + slot / 2).toFixed(1), y: CHART_H - 5, 'text-anchor': 'middle', text: labels[i]}) : null,
    ].filter(Boolean));
  });
  return svg;
}

function metricCard(series) {
  const last = series.points[series.points.length - 1] || {};
  const sub = [series.type, series.temporality !== 'unspecified' ? series.temporality : '',
               series.unit, series.service].filter(Boolean).join(' · ');
  const body = [];
  if (series.type === 'sum' || series.type === 'gauge') {
    body.push(h('div', {class: 'last', text: valueText(last.value)}), lineChart(series.points));
  } else if (series.type === 'histogram') {
    body.push(h('div', {class: 'last'}, `count ${last.count}`,
                h('span', {class: 'muted', text: last.sum !== null ? ` · sum ${formatNumber(Number(last.sum))}` : ''}),
                h('span', {class: 'muted', text: last.min !== null && last.max !== null
                  ? ` · min ${formatNumber(Number(last.min))} · max ${formatNumber(Number(last.max))}` : ''})),
              histogramChart(last));
  } else if (series.type === 'exponential_histogram') {
    body.push(h('div', {class: 'last', text: `count ${last.count}`}),
              h('div', {class: 'muted', text: `sum ${last.sum} · scale ${last.scale} · zero ${last.zero_count} · ` +
                `positive offset ${last.positive.offset} [${last.positive.bucket_counts.join(', ')}]`}));
  } else if (series.type === 'summary') {
    body.push(h('div', {class: 'last', text: `count ${last.count} · sum ${formatNumber(Number(last.sum))}`}),
              h('table', {class: 'kv'}, last.quantile_values.map((q) => h('tr', {},
                h('td', {text: `q${q.quantile}`}), h('td', {text: formatNumber(Number(q.value))})))));
  }
  return h('div', {class: 'card metric-card', 'data-name': series.name, 'data-type': series.type},
    h('div', {class: 'title', text: series.name}),
    h('div', {class: 'sub', text: sub}),
    series.description ? h('div', {class: 'sub', text: series.description}) : null,
    Object.keys(series.attributes).length ? h('div', {class: 'sub mono attrs', text: compactAttributes(series.attributes)}) : null,
    body,
    h('div', {class: 'sub', text: `${series.point_count} points · last at ${formatTime(last.time_unix_nano)}`}));
}

function metricsView(root, route) {
  const names = h('select', {name: 'name', onchange: () => go('metrics', [], {name: names.value, service: route.params.get('service')})},
    h('option', {value: '', text: 'all metrics'}));
  const summary = h('div', {class: 'muted', id: 'metric-summary'});
  const results = h('div', {class: 'cards', id: 'metric-cards'});
  root.append(h('h2', {text: 'Metrics'}),
    h('div', {class: 'filters'}, h('label', {}, 'Metric ', names),
      h('label', {}, 'Service ', h('input', {name: 'service', value: route.params.get('service') || '', placeholder: 'any',
        onchange: (e) => go('metrics', [], {name: route.params.get('name'), service: e.target.value.trim()})}))),
    summary, results);
  return {
    async update() {
      const [list, data] = await Promise.all([
        api('/api/metrics/names'),
        api('/api/metrics' + query({name: route.params.get('name'), service: route.params.get('service'), limit: 200})),
      ]);
      const wanted = route.params.get('name') || '';
      renderIfChanged(names, list.names, (all) => [h('option', {value: '', text: 'all metrics'}),
        ...all.map((name) => h('option', {value: name, selected: name === wanted, text: name}))]);
      summary.textContent = `${data.series.length} series shown of ${data.total}`;
      renderIfChanged(results, data.series, (series) =>
        series.length ? series.map(metricCard) : h('div', {class: 'empty', text: 'No metrics yet.'}));
    },
  };
}

// ---- SLS --------------------------------------------------------------------------------------

function slsView(root, route) {
  const [project, logstore] = route.parts;
  const list = h('ul', {id: 'sls-projects'});
  const logs = h('div', {id: 'sls-logs'});
  root.append(h('h2', {text: 'SLS projects and logstores'}), h('div', {class: 'sls'}, h('div', {}, list), logs));
  if (!logstore) logs.append(h('div', {class: 'empty', text: 'Select a logstore.'}));
  return {
    async update() {
      const data = await api('/api/sls/projects');
      renderIfChanged(list, data.projects, (projects) => {
        if (!projects.length) return h('li', {class: 'empty', text: 'No projects yet.'});
        return projects.map((p) => [h('li', {class: 'project', text: p.name}),
          p.logstores.map((ls) => h('li', {class: 'logstore'},
            h('a', {href: `#/sls/${encodeURIComponent(p.name)}/${encodeURIComponent(ls.name)}`,
                    class: p.name === project && ls.name === logstore ? 'active' : null,
                    'data-logstore': `${p.name}/${ls.name}`},
              `${ls.name} `, h('span', {class: 'muted', text: `(${ls.logs})`}))))]);
      });
      if (!logstore) return;
      let store;
      try {
        store = await api(`/api/sls/projects/${encodeURIComponent(project)}/logstores/${encodeURIComponent(logstore)}`);
      } catch (err) {
        logs.replaceChildren(h('div', {class: 'empty', text: err.message}));
        logs.dataset.key = '';
        return;
      }
      renderIfChanged(logs, store.log_groups, (groups) => {
        const rows = [];
        for (const group of groups) {
          for (const log of group.logs) rows.push({group, log});
        }
        rows.reverse();  // newest first
        const shown = rows.slice(0, 500);
        return [
          h('h3', {}, `${project} / ${logstore} `,
            h('span', {class: 'muted', text: `· ${groups.length} log groups · ${rows.length} logs` +
                                             (rows.length > shown.length ? ` (newest ${shown.length} shown)` : '')})),
          h('table', {id: 'sls-table'},
            h('thead', {}, h('tr', {}, ['Time', 'Topic', 'Source', 'Contents'].map((title) => h('th', {text: title})))),
            h('tbody', {}, shown.map(({group, log}) => h('tr', {class: 'sls-row'},
              h('td', {class: 'mono', text: new Date(log.time * 1000).toISOString().replace('T', ' ').replace('.000Z', '')}),
              h('td', {text: group.topic}),
              h('td', {text: group.source}),
              h('td', {class: 'contents mono'}, log.contents.map(([k, v]) => h('span', {class: 'kv'},
                h('span', {class: 'k', text: k + '='}), h('span', {class: 'v', text: v})))))))),
        ];
      });
    },
  };
}

const VIEWS = {traces: tracesView, trace: traceView, logs: logsView, metrics: metricsView, sls: slsView};

window.addEventListener('hashchange', mount);
document.getElementById('live').addEventListener('change', (e) => { if (e.target.checked) refresh(); });
setInterval(() => {
  if (document.getElementById('live').checked && !document.hidden) refresh();
}, POLL_MS);
mount();
