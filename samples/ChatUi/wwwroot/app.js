// The ToolFlow chat page: one conversation's SSE stream folded into messages, call cards and a timeline.
// Text from the model, tools or server is only ever set with textContent, never parsed as HTML.
'use strict';

const EVENT_TYPES = [
  'snapshot', 'lagged', 'userMessage', 'turnStarted', 'textDelta', 'reasoningDelta', 'toolCallDetected',
  'toolArgumentsDelta', 'toolCallClosed', 'toolCallWaiting', 'toolCallApprovalRequested', 'toolCallStarted',
  'toolCallProgressed', 'toolCallRetrying', 'toolCallCompleted', 'toolCallFailed', 'modelStreamEnded',
  'turnCompleted', 'diagnosticReported', 'runCompleted',
];
const ENDED = new Set(['done', 'failed', 'cancelled', 'denied']);
const WAIT_WORDS = { dependencies: 'waiting for its inputs', responseEnd: 'waiting for the response to end', approval: 'waiting for approval' };

const $ = (id) => document.getElementById(id);
let config = null;
let chat = '/chat';
let conversationId = null;
let source = null;
let state = emptyState();
let scheduled = false;

function emptyState() {
  return { lastId: 0, running: false, messages: [], calls: new Map(), turns: new Map(), now: null, lagged: false };
}

// ---- rendering -----------------------------------------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function messageOf(role, turn, create = true) {
  let message = state.messages.find((m) => m.role === role && m.turn === turn);
  if (!message && create) {
    message = { role, turn, text: '' };
    state.messages.push(message);
  }
  return message;
}

function messageNode(message) {
  const transcript = $('transcript');
  let node = transcript.querySelector(`.message[data-role="${message.role}"][data-turn="${message.turn}"]`);
  if (!node) {
    node = el('div', 'message');
    node.dataset.role = message.role;
    node.dataset.turn = String(message.turn);
    node.append(el('div', 'message-role', message.role === 'user' ? 'You' : 'Assistant'), el('div', 'message-text'));
    if (message.role === 'assistant') node.append(el('div', 'calls'));
    transcript.append(node);
  }
  return node;
}

function renderMessage(message) {
  const node = messageNode(message);
  node.querySelector('.message-text').textContent = message.text;
}

function statusWords(call) {
  switch (call.state) {
    case 'detected': return 'detected, arguments streaming';
    case 'waiting': return WAIT_WORDS[call.waitReason] || 'waiting';
    case 'awaitingApproval': return 'awaiting your approval';
    case 'running':
      if (call.progress !== null && call.progress !== undefined) {
        const of = call.total ? ` of ${call.total}` : '';
        return `running: ${call.progress}${of}${call.progressMessage ? ` (${call.progressMessage})` : ''}`;
      }
      return call.progressMessage ? `running (${call.progressMessage})` : 'running';
    case 'done': return 'done';
    case 'denied': return 'denied';
    case 'cancelled': return 'cancelled';
    case 'failed': return 'failed';
    default: return call.state;
  }
}

function button(action, label, call) {
  const b = el('button', `call-button ${action}`, label);
  b.type = 'button';
  b.dataset.action = action;
  b.addEventListener('click', () => act(call.callId, action, b));
  return b;
}

function renderCall(call) {
  const list = messageNode(messageOf('assistant', call.turn)).querySelector('.calls');
  let card = list.querySelector(`.call-card[data-call-id="${CSS.escape(call.callId)}"]`);
  if (!card) {
    card = el('div', 'call-card');
    card.dataset.callId = call.callId;
    const head = el('div', 'call-head');
    head.append(el('span', 'call-name'), el('span', 'call-status'), el('span', 'call-duration'));
    card.append(head, el('pre', 'call-args'), el('div', 'call-progress-slot'), el('pre', 'call-result'), el('div', 'call-actions'));
    const cards = [...list.querySelectorAll('.call-card')];
    const after = cards.find((c) => (state.calls.get(c.dataset.callId)?.index ?? 0) > call.index);
    list.insertBefore(card, after || null);
  }
  card.dataset.state = call.state;
  card.querySelector('.call-name').textContent = call.name;
  card.querySelector('.call-status').textContent = statusWords(call);
  card.querySelector('.call-duration').textContent = call.durationMs !== null && call.durationMs !== undefined ? `${Math.round(call.durationMs)} ms` : '';
  card.querySelector('.call-args').textContent = call.arguments || '';
  const result = card.querySelector('.call-result');
  result.textContent = call.resultPreview ?? (ENDED.has(call.state) ? (call.error || '') : '');
  result.hidden = result.textContent.length === 0;

  const slot = card.querySelector('.call-progress-slot');
  const known = call.state === 'running' && call.progress !== null && call.progress !== undefined;
  let bar = slot.querySelector('progress.call-progress');
  if (known) {
    if (!bar) {
      bar = el('progress', 'call-progress');
      slot.append(bar);
    }
    if (call.total) {
      bar.max = call.total;
      bar.value = Math.min(call.progress, call.total);
    } else {
      bar.removeAttribute('value');
    }
  } else if (bar) {
    bar.remove();
  }

  // Buttons follow the state: rebuilt only when the set changes, so a click in flight is not lost.
  const wanted = [];
  if (call.state === 'awaitingApproval') wanted.push('approve', 'deny');
  if (call.state === 'running' || call.state === 'waiting' || call.state === 'detected' || call.state === 'awaitingApproval') wanted.push('cancel', 'cancel-branch');
  const actions = card.querySelector('.call-actions');
  if (actions.dataset.set !== wanted.join(',')) {
    actions.replaceChildren(...wanted.map((a) => button(a, { approve: 'Approve', deny: 'Deny', cancel: 'Cancel', 'cancel-branch': 'Cancel branch' }[a], call)));
    actions.dataset.set = wanted.join(',');
  }
}

function renderStatus() {
  const status = $('status');
  let word = state.running ? 'running' : 'idle';
  if (state.lagged) word = 'lagged';
  if (source && source.readyState === EventSource.CONNECTING && conversationId) word = 'reconnecting';
  status.textContent = word;
  status.dataset.status = word;
  $('cancel-turn').disabled = !state.running;
  $('send').disabled = state.running;
  $('mode').disabled = conversationId !== null;
  $('scenario').disabled = conversationId !== null;
  document.body.dataset.conversationId = conversationId || '';
}

function renderAll() {
  $('transcript').replaceChildren();
  $('diagnostics').replaceChildren();
  for (const message of state.messages) renderMessage(message);
  for (const call of [...state.calls.values()].sort((a, b) => a.turn - b.turn || a.index - b.index)) renderCall(call);
  renderStatus();
  scheduleTimeline();
}

// ---- timeline ------------------------------------------------------------------------------------------------

function ms(iso) {
  return iso ? Date.parse(iso) : null;
}

function scheduleTimeline() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    drawTimeline();
  });
}

// The picture toolflow bench --timeline draws: a decode span per turn, a bar per call from detected to start to end.
function drawTimeline() {
  const rows = [];
  for (const turn of [...state.turns.values()].sort((a, b) => a.turn - b.turn)) {
    // Without a stream end on record, the decode ends at the turn's last output once the turn is over.
    const end = turn.decodeEndedAt ?? (turn.endedAt ? (turn.lastOutputAt ?? turn.endedAt) : null);
    rows.push({ label: `turn ${turn.turn} decode`, kind: 'decode', start: ms(turn.startedAt), wait: null, end: ms(end) });
  }
  for (const call of [...state.calls.values()].sort((a, b) => ms(a.detectedAt) - ms(b.detectedAt))) {
    rows.push({ label: call.name, kind: 'call', state: call.state, start: ms(call.detectedAt), wait: ms(call.startedAt), end: ms(call.endedAt) });
  }
  const box = $('timeline');
  if (rows.length === 0) {
    box.replaceChildren(el('p', 'empty', 'No turns yet.'));
    return;
  }
  const starts = rows.map((r) => r.start).filter((t) => t !== null);
  const origin = Math.min(...starts);
  const now = Math.max(ms(state.now) ?? origin, ...rows.flatMap((r) => [r.start, r.wait, r.end]).filter((t) => t !== null));
  const span = Math.max(now - origin, 1);
  const pct = (t) => `${(((t - origin) / span) * 100).toFixed(3)}%`;
  const width = (a, b) => `${Math.max(((b - a) / span) * 100, 0.4).toFixed(3)}%`;
  const lines = rows.map((row) => {
    const line = el('div', `timeline-row ${row.kind}`);
    line.append(el('span', 'timeline-label', row.label));
    const track = el('div', 'timeline-track');
    if (row.kind === 'decode') {
      const bar = el('div', 'bar decode');
      bar.style.left = pct(row.start);
      bar.style.width = width(row.start, row.end ?? now);
      track.append(bar);
    } else {
      const started = row.wait ?? (ENDED.has(row.state) ? row.end : now) ?? now;
      const waiting = el('div', 'bar wait');
      waiting.style.left = pct(row.start);
      waiting.style.width = width(row.start, started);
      track.append(waiting);
      if (row.wait !== null) {
        const run = el('div', `bar run ${row.state === 'done' || row.state === 'running' ? '' : 'end-failed'}`);
        run.style.left = pct(row.wait);
        run.style.width = width(row.wait, row.end ?? now);
        track.append(run);
      }
    }
    line.append(track);
    return line;
  });
  const axis = el('div', 'timeline-axis', `${Math.round(span)} ms`);
  box.replaceChildren(...lines, axis);
}

// ---- events --------------------------------------------------------------------------------------------------

function applySnapshot(s) {
  state = emptyState();
  state.lastId = s.id;
  state.running = !!s.running;
  state.now = null;
  for (const m of s.messages || []) state.messages.push({ role: m.role, turn: m.turn, text: m.text || '' });
  for (const c of s.calls || []) state.calls.set(c.callId, { ...c, arguments: c.arguments || '' });
  for (const t of s.turns || []) {
    const detected = (s.calls || []).filter((c) => c.turn === t.turn && c.detectedAt).map((c) => c.detectedAt).sort();
    state.turns.set(t.turn, { ...t, lastOutputAt: detected.at(-1) || null });
  }
  const times = [...state.calls.values()].flatMap((c) => [c.detectedAt, c.startedAt, c.endedAt])
    .concat([...state.turns.values()].flatMap((t) => [t.startedAt, t.decodeEndedAt, t.endedAt])).filter(Boolean);
  state.now = times.sort().at(-1) || null;
  renderAll();
}

function callOf(e) {
  let call = state.calls.get(e.callId);
  if (!call) {
    call = { callId: e.callId, name: e.name || '', turn: e.turn, index: e.index ?? state.calls.size, state: 'detected', arguments: '', waitReason: null, dependsOn: [],
      progress: null, total: null, progressMessage: null, durationMs: null, resultPreview: null, error: null, detectedAt: e.timestamp, startedAt: null, endedAt: null };
    state.calls.set(e.callId, call);
  }
  return call;
}

function endedState(kind) {
  if (kind === 'rejected' || kind === 'permissionDenied') return 'denied';
  if (kind === 'cancelled' || kind === 'discarded' || kind === 'dependencyFailed') return 'cancelled';
  return 'failed';
}

function apply(e) {
  if (e.type === 'snapshot') {
    applySnapshot(e);
    return;
  }
  if (e.type === 'lagged') {
    state.lagged = true;
    renderStatus();
    return;
  }
  if (typeof e.id === 'number') {
    if (e.id <= state.lastId) return; // already folded (a replay after reconnecting starts past it, but be sure)
    state.lastId = e.id;
  }
  state.lagged = false;
  if (e.timestamp && (!state.now || e.timestamp > state.now)) state.now = e.timestamp;
  if (['textDelta', 'reasoningDelta', 'toolCallDetected', 'toolArgumentsDelta', 'toolCallClosed'].includes(e.type)) {
    const turn = state.turns.get(e.turn);
    if (turn) turn.lastOutputAt = e.timestamp;
  }
  switch (e.type) {
    case 'userMessage': {
      const m = messageOf('user', e.turn);
      m.text = e.text;
      renderMessage(m);
      state.running = true;
      break;
    }
    case 'turnStarted':
      state.turns.set(e.turn, { turn: e.turn, startedAt: e.timestamp, decodeEndedAt: null, endedAt: null });
      state.running = true;
      break;
    case 'textDelta': {
      const m = messageOf('assistant', e.turn);
      m.text += e.text;
      renderMessage(m);
      break;
    }
    case 'toolCallDetected': {
      const call = callOf(e);
      call.name = e.name;
      call.index = e.index;
      renderCall(call);
      break;
    }
    case 'toolArgumentsDelta': {
      const call = callOf(e);
      call.arguments += e.fragment;
      renderCall(call);
      break;
    }
    case 'toolCallClosed': {
      const call = callOf(e);
      call.arguments = typeof e.arguments === 'string' ? e.arguments : JSON.stringify(e.arguments);
      renderCall(call);
      break;
    }
    case 'toolCallWaiting': {
      const call = callOf(e);
      if (!ENDED.has(call.state) && call.state !== 'running') {
        call.state = e.reason === 'approval' ? 'awaitingApproval' : 'waiting';
        call.waitReason = e.reason;
        call.dependsOn = e.dependsOn || [];
      }
      renderCall(call);
      break;
    }
    case 'toolCallApprovalRequested': {
      const call = callOf(e);
      call.state = 'awaitingApproval';
      call.waitReason = 'approval';
      renderCall(call);
      break;
    }
    case 'toolCallStarted': {
      const call = callOf(e);
      call.state = 'running';
      call.startedAt = e.timestamp;
      renderCall(call);
      break;
    }
    case 'toolCallProgressed': {
      const call = callOf(e);
      call.progress = e.progress;
      call.total = e.total;
      call.progressMessage = e.message;
      renderCall(call);
      break;
    }
    case 'toolCallRetrying': {
      const call = callOf(e);
      call.progressMessage = `retry ${e.attempt} after ${e.error}`;
      renderCall(call);
      break;
    }
    case 'toolCallCompleted': {
      const call = callOf(e);
      call.state = 'done';
      call.durationMs = e.durationMs;
      call.resultPreview = e.resultPreview;
      call.endedAt = e.timestamp;
      renderCall(call);
      break;
    }
    case 'toolCallFailed': {
      const call = callOf(e);
      call.state = endedState(e.kind);
      call.error = e.error;
      call.durationMs = e.durationMs;
      call.endedAt = e.timestamp;
      renderCall(call);
      break;
    }
    case 'modelStreamEnded': {
      const turn = state.turns.get(e.turn);
      if (turn) turn.decodeEndedAt = e.timestamp;
      if (e.error) notice(`The model's stream failed: ${e.error}`);
      break;
    }
    case 'turnCompleted': {
      const turn = state.turns.get(e.turn);
      if (turn) turn.endedAt = e.timestamp;
      if (typeof e.text === 'string' && e.text.length > 0) {
        const m = messageOf('assistant', e.turn);
        m.text = e.text;
        renderMessage(m);
      }
      break;
    }
    case 'diagnosticReported':
      $('diagnostics').append(el('li', 'diagnostic', `${e.code}: ${e.message}`));
      break;
    case 'runCompleted':
      state.running = false;
      if (e.reason && e.reason !== 'finalAnswer') notice(`The run ended: ${e.reason}.`);
      break;
    default:
      break;
  }
  renderStatus();
  scheduleTimeline();
}

// ---- wire ----------------------------------------------------------------------------------------------------

function notice(text) {
  const n = $('notice');
  n.textContent = text;
  n.hidden = !text;
}

async function problemText(response) {
  try {
    const body = await response.json();
    return `${body.title || response.statusText}${body.detail ? `: ${body.detail}` : ''}${body.code ? ` (${body.code})` : ''}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

async function post(path, body) {
  // Cleared before, not after: what the stream says meanwhile (a run's end) must stay on screen.
  notice('');
  const response = await fetch(path, {
    method: 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    notice(await problemText(response));
    return null;
  }
  return response.status === 204 ? {} : response.json();
}

function connect(id) {
  if (source) source.close();
  conversationId = id;
  const url = new URL(window.location.href);
  url.searchParams.set('c', id);
  window.history.replaceState(null, '', url);
  // EventSource reconnects by itself and sends Last-Event-ID; the server replays from there or sends a snapshot.
  source = new EventSource(`${chat}/conversations/${encodeURIComponent(id)}/events`);
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => apply(JSON.parse(message.data)));
  }
  source.onopen = () => renderStatus();
  source.onerror = async () => {
    renderStatus();
    if (source.readyState === EventSource.CLOSED) {
      // The server refused the stream (unknown or another user's conversation): say so, start afresh.
      const check = await fetch(`${chat}/conversations/${encodeURIComponent(id)}`, { credentials: 'same-origin' });
      if (!check.ok) {
        const problem = await problemText(check);
        reset(true);
        notice(problem);
      }
    }
  };
  renderStatus();
}

function reset(keepNotice) {
  if (source) source.close();
  source = null;
  conversationId = null;
  state = emptyState();
  const url = new URL(window.location.href);
  url.searchParams.delete('c');
  window.history.replaceState(null, '', url);
  if (!keepNotice) notice('');
  renderAll();
  suggest();
}

async function send(event) {
  event.preventDefault();
  const text = $('message').value;
  if (!text.trim()) {
    notice('Write a message first.');
    return;
  }
  if (conversationId === null) {
    const created = await post(`${chat}/conversations`, { message: text, settings: { mode: $('mode').value, scenario: $('scenario').value } });
    if (created) {
      $('message').value = '';
      connect(created.id);
    }
  } else if (await post(`${chat}/conversations/${encodeURIComponent(conversationId)}/messages`, { message: text })) {
    $('message').value = '';
  }
}

async function act(callId, action, b) {
  if (!conversationId) return;
  b.disabled = true;
  const path = `${chat}/conversations/${encodeURIComponent(conversationId)}/calls/${encodeURIComponent(callId)}/${action}`;
  const result = await post(path, action === 'deny' ? { reason: 'denied from the page' } : undefined);
  if (!result) b.disabled = false;
}

function suggest() {
  const chosen = config?.scenarios.find((s) => s.name === $('scenario').value);
  if (chosen && conversationId === null) $('message').value = chosen.prompt || '';
}

async function start() {
  const response = await fetch('/api/config', { credentials: 'same-origin' });
  if (!response.ok) {
    notice(await problemText(response));
    return;
  }
  config = await response.json();
  chat = config.chat;
  $('user').textContent = `user ${config.user.slice(0, 8)}`;
  $('scenario').replaceChildren(...config.scenarios.map((s) => {
    const option = el('option', null, s.title);
    option.value = s.name;
    return option;
  }));
  $('scenario').value = config.defaultScenario;
  $('scenario').addEventListener('change', suggest);
  $('composer').addEventListener('submit', send);
  $('new').addEventListener('click', () => reset(false));
  $('cancel-turn').addEventListener('click', async () => {
    if (conversationId) await post(`${chat}/conversations/${encodeURIComponent(conversationId)}/cancel`);
  });
  $('message').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) $('composer').requestSubmit();
  });
  const resume = new URL(window.location.href).searchParams.get('c');
  if (resume) {
    connect(resume);
  } else {
    suggest();
    renderAll();
  }
}

start();
