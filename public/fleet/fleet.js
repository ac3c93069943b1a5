// The live fleet page: a client of the public GraphQL API only. It reads the company's
// instances over HTTP and follows its subscriptions over graphql-ws (the protocol is small
// enough to speak by hand, so the page needs no build step and no other host), reading
// the list again after each event and after every reconnection; `fleetProgress` adds an
// event for each step of a long operation, which moves the progress bars.
'use strict';

const KEY_STORAGE = 'odoo-fleet-api-key';
const FLEET_QUERY = `query FleetPage($since: DateTime!) {
  viewer { company { name } }
  instances(first: 100, orderBy: { field: NAME }) {
    edges { node {
      id name status
      progress { state percent stepLabel }
      health { status checkedAt }
      latestBackup { id status progress { state percent stepLabel } }
      latestDeployment { id status commitHash progress { state percent stepLabel } }
      metrics(from: $since) { sampledAt cpuPercent }
    } }
  }
}`;
// Status changes, and the steps of long operations in between (progress bars).
const SUBSCRIPTIONS = {
  events: 'subscription FleetPageEvents { fleetEvents { kind subjectId status } }',
  progress: 'subscription FleetPageProgress { fleetProgress { kind subjectId status } }',
};

const $ = (id) => document.getElementById(id);
let apiKey = sessionStorage.getItem(KEY_STORAGE);
let socket = null;
let attempts = 0;
let refreshTimer = null;

function setConnection(state) {
  $('connection').dataset.state = state;
  $('connection').textContent = state;
}

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message || '';
}

async function graphql(query, variables) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors?.length) {
    const error = new Error(body.errors.map((e) => e.message).join('; '));
    error.unauthenticated =
      response.status === 401 || body.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
    throw error;
  }
  return body.data;
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function statusBadge(status) {
  return element('span', { class: 'status', 'data-status': status ?? 'NONE', text: status ?? '—' });
}

/** A status with a progress bar when an operation stands behind it. */
function operationCell(role, record) {
  if (!record) return element('td', { 'data-role': role, text: '—' });
  const children = [statusBadge(record.status)];
  if (record.progress) {
    children.push(
      element('progress', { max: '100', value: String(record.progress.percent), 'data-role': `${role}-progress` }),
    );
    children.push(
      element('span', { class: 'step', text: `${record.progress.percent}% · ${record.progress.stepLabel}` }),
    );
  }
  return element('td', { 'data-role': role }, children);
}

/** CPU samples as a line; the y axis spans 0-100 %. */
function chart(samples) {
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', '0 0 100 30');
  svg.setAttribute('preserveAspectRatio', 'none');
  const points = samples.filter((sample) => sample.cpuPercent !== null);
  if (points.length > 1) {
    const first = Date.parse(points[0].sampledAt);
    const span = Math.max(1, Date.parse(points[points.length - 1].sampledAt) - first);
    const line = document.createElementNS(svgNs, 'polyline');
    line.setAttribute(
      'points',
      points
        .map(
          (p) =>
            `${(((Date.parse(p.sampledAt) - first) / span) * 100).toFixed(1)},${(30 - (Math.min(100, p.cpuPercent) / 100) * 30).toFixed(1)}`,
        )
        .join(' '),
    );
    svg.append(line);
  }
  const title = document.createElementNS(svgNs, 'title');
  title.textContent = points.length ? `CPU ${points[points.length - 1].cpuPercent}% (latest)` : 'no samples';
  svg.append(title);
  return svg;
}

function render(data) {
  $('company').textContent = data.viewer?.company?.name ?? '';
  const rows = data.instances.edges.map(({ node }) => {
    const status = element('td', {}, [statusBadge(node.status)]);
    if (node.progress)
      status.append(
        element('progress', { max: '100', value: String(node.progress.percent) }),
        element('span', { class: 'step', text: node.progress.stepLabel }),
      );
    return element('tr', { 'data-instance': node.name }, [
      element('td', { text: node.name }),
      status,
      element('td', { 'data-role': 'health' }, [statusBadge(node.health?.status)]),
      operationCell('backup', node.latestBackup),
      operationCell('deployment', node.latestDeployment),
      element('td', {}, [chart(node.metrics)]),
    ]);
  });
  $('instances').replaceChildren(...rows);
}

async function refresh() {
  try {
    render(await graphql(FLEET_QUERY, { since: new Date(Date.now() - 3_600_000).toISOString() }));
    showError('');
  } catch (error) {
    if (error.unauthenticated) return forgetKey('That key was not accepted.');
    showError(`Could not load the fleet: ${error.message}`);
  }
}

/** Events come in bursts (a backup changes status a few times a second): read once per burst. */
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 150);
}

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = new WebSocket(url, 'graphql-transport-ws');
  socket = ws;
  ws.onopen = () =>
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } }));
  ws.onmessage = (message) => {
    const msg = JSON.parse(message.data);
    if (msg.type === 'connection_ack') {
      attempts = 0;
      setConnection('live');
      for (const [id, query] of Object.entries(SUBSCRIPTIONS))
        ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
      refresh(); // whatever happened while we were away
    } else if (msg.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong' }));
    } else if (msg.type === 'next') {
      refreshSoon();
    } else if (msg.type === 'error') {
      showError(`Live updates stopped: ${msg.payload.map((e) => e.message).join('; ')}`);
    }
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    if (event.code === 4401) return forgetKey('That key was not accepted (or has been revoked).');
    // The server restarted or the network dropped: try again, less and less often.
    setConnection('reconnecting');
    const delay = Math.min(10_000, 500 * 2 ** attempts++);
    setTimeout(() => apiKey && connect(), delay);
  };
}

function open() {
  $('key-form').hidden = true;
  $('fleet').hidden = false;
  refresh();
  connect();
}

function forgetKey(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  apiKey = null;
  const closing = socket;
  socket = null;
  closing?.close();
  setConnection('offline');
  $('fleet').hidden = true;
  $('key-form').hidden = false;
  $('instances').replaceChildren();
  $('key-message').textContent = message || '';
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  apiKey = $('api-key').value.trim();
  sessionStorage.setItem(KEY_STORAGE, apiKey);
  $('api-key').value = '';
  open();
});
$('forget').addEventListener('click', () => forgetKey());

if (apiKey) open();
else $('key-form').hidden = false;
