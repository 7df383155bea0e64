// Framesmith: the sample's page. Plain JavaScript, no build step: it lists
// media, starts processing jobs, and follows them live through one
// Server-Sent Events stream (/api/events?ids=…) backed by the library's
// progress$().

const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const POLL_MS = 4000;
const ACTIVE = new Set(['queued', 'running']);

const dom = {
  instance: document.getElementById('instance'),
  mediaList: document.getElementById('media-list'),
  form: document.getElementById('start-form'),
  fileInput: document.getElementById('file-input'),
  dropzone: document.getElementById('dropzone'),
  dropzoneTitle: document.getElementById('dropzone-title'),
  formError: document.getElementById('form-error'),
  startButton: document.getElementById('start-button'),
  jobList: document.getElementById('job-list'),
  jobsEmpty: document.getElementById('jobs-empty'),
  counters: document.getElementById('counters'),
};

/** Jobs by id, as last heard from the API or the event stream. */
const jobs = new Map();
/** The `<li>` of each job. */
const jobElements = new Map();
let media = [];

// ---------------------------------------------------------------- API

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { Accept: 'application/json', ...init.headers } });
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  const body = isJson ? await response.json() : await response.text();
  if (!response.ok) {
    const message = isJson ? [body.message].flat().join('; ') : body;
    throw new Error(message || `${response.status} ${response.statusText}`);
  }
  return body;
}

// ---------------------------------------------------------------- formatting

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function formatDuration(seconds) {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

function formatElapsed(ms) {
  const s = Math.max(0, ms / 1000);
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function resolutionLabel(height) {
  return height >= 2160 ? '4K' : `${height}p`;
}

/** A stable colour per item (FNV-1a of its id). */
function hue(text) {
  let hash = 0x811c9dc5;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash % 360;
}

// ---------------------------------------------------------------- DOM helpers

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'style') node.style.cssText = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

const ICONS = {
  play: '<svg viewBox="0 0 24 24" width="20" height="20"><path d="M8 5.5v13l10.5-6.5z" fill="currentColor"/></svg>',
  warning:
    '<svg viewBox="0 0 24 24" width="20" height="20"><path d="M12 4 2.8 20h18.4zM12 10v4.5m0 2.5v.5" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"/></svg>',
  file: '<svg viewBox="0 0 24 24" width="20" height="20"><path d="M6 3h8l4 4v14H6zM14 3v4h4" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/></svg>',
  film: '<svg viewBox="0 0 24 24" width="26" height="26"><rect x="3" y="5" width="18" height="14" rx="2.5" fill="none" stroke="currentColor" stroke-width="1.6"/><path d="M7 5v14M17 5v14M3 9.5h4m10 0h4M3 14.5h4m10 0h4" stroke="currentColor" stroke-width="1.6"/></svg>',
};

function icon(name) {
  const span = document.createElement('span');
  span.innerHTML = ICONS[name]; // constant markup, never user data
  return span.firstElementChild;
}

function showFormError(message) {
  dom.formError.textContent = message;
  dom.formError.hidden = !message;
}

// ---------------------------------------------------------------- instance header

const TRACKER_LABELS = { memory: 'in memory', redis: 'Redis', postgres: 'PostgreSQL' };

function renderInstance(info) {
  const pills = info
    ? [
        h('span', { class: 'pill', title: `${info.instance.host}, pid ${info.instance.pid}` }, h('span', { class: 'dot' }), 'Instance ', h('b', {}, `:${info.instance.port ?? '?'}`)),
        h('span', { class: 'pill' }, 'Tracker ', h('b', {}, TRACKER_LABELS[info.tracker] ?? info.tracker)),
        h('span', { class: 'pill' }, 'Database ', h('b', {}, info.database === 'postgres' ? 'PostgreSQL' : 'SQLite')),
        // With pg-boss this instance only enqueues: the worker processes run the jobs.
        info.jobEngine === 'pg-boss'
          ? h('span', { class: 'pill' }, 'Jobs ', h('b', {}, 'pg-boss workers'))
          : h('span', { class: 'pill' }, 'Workers ', h('b', {}, `${info.running}/${info.concurrency}`)),
      ]
    : [h('span', { class: 'pill offline' }, h('span', { class: 'dot' }), 'Server unreachable')];
  dom.instance.replaceChildren(...pills);
}

async function refreshInstance() {
  try {
    renderInstance(await api('/api/info'));
  } catch {
    renderInstance(null);
  }
}

// ---------------------------------------------------------------- media picker

function renderMedia(selectedId) {
  const selected = selectedId ?? dom.form.elements.mediaId?.value ?? media[0]?.id;
  const options = media.map((item) => {
    const failing = item.simulateFailure;
    const iconBox = h(
      'span',
      {
        class: 'media-icon',
        style: failing
          ? 'background: linear-gradient(135deg, #f97066, #b42318)'
          : `background: linear-gradient(135deg, hsl(${hue(item.id)} 70% 60%), hsl(${hue(item.id) + 40} 65% 40%))`,
      },
      icon(failing ? 'warning' : item.source === 'upload' ? 'file' : 'play'),
    );
    const meta = [resolutionLabel(item.height), formatDuration(item.durationSec), formatBytes(item.sizeBytes)].join(' · ');
    return h(
      'label',
      { class: 'media-option', 'data-media-id': item.id },
      h('input', { type: 'radio', name: 'mediaId', value: item.id, checked: item.id === selected }),
      iconBox,
      h(
        'span',
        { class: 'media-text' },
        h('span', { class: 'media-name', title: item.name }, item.name),
        h(
          'span',
          { class: 'media-meta' },
          h('span', {}, meta),
          failing ? h('span', { class: 'tag danger' }, 'fails on purpose') : null,
          item.source === 'upload' ? h('span', { class: 'tag upload' }, 'upload') : null,
        ),
        item.note ? h('span', { class: 'media-note', title: item.note }, item.note) : null,
      ),
    );
  });
  dom.mediaList.replaceChildren(h('legend', { class: 'sr-only' }, 'File to process'), ...options);
}

async function loadMedia(selectedId) {
  try {
    media = await api('/api/media');
    renderMedia(selectedId);
  } catch (error) {
    showFormError(`Could not load the files: ${error.message}`);
  }
}

async function upload(file) {
  showFormError('');
  if (file.size > MAX_UPLOAD_BYTES) return showFormError(`${file.name} is ${formatBytes(file.size)}; the limit is 5 MB.`);
  if (file.size === 0) return showFormError(`${file.name} is empty.`);
  const form = new FormData();
  form.append('file', file);
  dom.dropzone.classList.add('busy');
  dom.dropzoneTitle.textContent = `Uploading ${file.name}…`;
  try {
    const item = await api('/api/media', { method: 'POST', body: form });
    await loadMedia(item.id);
  } catch (error) {
    showFormError(`Upload failed: ${error.message}`);
  } finally {
    dom.dropzone.classList.remove('busy');
    dom.dropzoneTitle.textContent = 'Upload a file';
    dom.fileInput.value = '';
  }
}

// ---------------------------------------------------------------- jobs

function isActive(job) {
  return ACTIVE.has(job.state);
}

/**
 * Keeps the newest news when a poll answer and a live event cross: a job
 * that has finished never goes back to running, and a bar never moves back
 * within one state.
 */
function mergeJob(update) {
  const known = jobs.get(update.id);
  if (known && !isActive(known) && known.state !== 'unknown' && isActive(update)) return known;
  const stale = known && known.state === update.state && update.progress < known.progress;
  const job = stale ? { ...known, ...update, progress: known.progress, message: known.message, step: known.step } : { ...known, ...update };
  jobs.set(job.id, job);
  return job;
}

function jobMessage(job) {
  switch (job.state) {
    case 'queued':
      return { text: 'Waiting for a free worker', kind: '' };
    case 'running':
      return { text: job.message ?? 'Starting…', kind: '' };
    case 'completed': {
      const result = job.result;
      if (!result) return { text: 'Done', kind: 'job-result' };
      const labels = result.renditions.map((rendition) => rendition.label).join(', ');
      return {
        text: `${result.renditions.length} renditions (${labels}) · ${result.thumbnails} thumbnails · ${formatBytes(result.outputBytes)}`,
        kind: 'job-result',
      };
    }
    case 'failed':
      return { text: job.error ? `${job.error.name}: ${job.error.message}` : 'Failed', kind: 'job-error' };
    case 'cancelled':
      return { text: `Cancelled${job.message ? ` during: ${job.message}` : ''}`, kind: '' };
    case 'interrupted':
      return { text: 'Interrupted: the server shut down before it finished', kind: 'job-error' };
    default:
      return { text: 'Status no longer available (expired, or the server restarted)', kind: '' };
  }
}

function jobTime(job, now) {
  if (job.state === 'queued') return `queued ${formatElapsed(now - job.createdAt)} ago`;
  if (job.state === 'running') return job.startedAt ? `running for ${formatElapsed(now - job.startedAt)}` : 'starting';
  if (job.finishedAt && job.startedAt) return `took ${formatElapsed(job.finishedAt - job.startedAt)}`;
  if (job.finishedAt) return `${formatElapsed(now - job.finishedAt)} ago`;
  return `${formatElapsed(now - job.createdAt)} ago`;
}

function createJobElement(job) {
  const cancel = h('button', { type: 'button', class: 'btn small ghost', 'data-action': 'cancel' }, 'Cancel');
  cancel.addEventListener('click', () => cancelJob(job.id, cancel));
  const li = h(
    'li',
    { class: 'job', 'data-job-id': job.id },
    h('div', { class: 'job-thumb' }, icon('film')),
    h(
      'div',
      { class: 'job-main' },
      h('div', { class: 'job-head' }, h('span', { class: 'job-name' }), h('span', { class: 'badge' }), h('span', { class: 'job-time' }), cancel),
      h(
        'div',
        { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 },
        h('div', { class: 'progress-fill' }),
      ),
      h('div', { class: 'job-foot' }, h('span', { class: 'job-message', 'aria-live': 'polite' }), h('span', { class: 'job-percent' })),
    ),
  );
  jobElements.set(job.id, li);
  return li;
}

function renderJob(job, now = Date.now()) {
  const li = jobElements.get(job.id) ?? createJobElement(job);
  const percent = job.state === 'completed' ? 100 : Math.max(0, Math.min(100, job.progress ?? 0));
  const name = job.media?.name ?? job.name;
  const { text, kind } = jobMessage(job);

  li.dataset.state = job.state;
  const nameNode = li.querySelector('.job-name');
  nameNode.textContent = name;
  nameNode.title = job.id;
  const badge = li.querySelector('.badge');
  badge.dataset.state = job.state;
  badge.textContent = job.state;
  li.querySelector('.job-time').textContent = jobTime(job, now);
  li.querySelector('[data-action="cancel"]').hidden = !isActive(job);
  const bar = li.querySelector('.progress');
  if (bar.getAttribute('aria-valuenow') !== String(percent)) bar.setAttribute('aria-valuenow', String(percent));
  bar.setAttribute('aria-label', `${name}: ${percent}%`);
  li.querySelector('.progress-fill').style.width = `${percent}%`;
  const message = li.querySelector('.job-message');
  message.textContent = text;
  message.title = text;
  message.className = `job-message ${kind}`.trim();
  li.querySelector('.job-percent').textContent = job.state === 'unknown' ? '' : `${percent}%`;

  const thumbnailId = job.result?.thumbnailId;
  const thumb = li.querySelector('.job-thumb');
  if (thumbnailId && !thumb.querySelector('img')) {
    thumb.replaceChildren(h('img', { src: `/api/renditions/${encodeURIComponent(thumbnailId)}/thumbnail.svg`, alt: `Thumbnail of ${name}` }));
  }
  return li;
}

function renderJobs() {
  const now = Date.now();
  const ordered = [...jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
  ordered.forEach((job, index) => {
    const li = renderJob(job, now);
    if (dom.jobList.children[index] !== li) dom.jobList.insertBefore(li, dom.jobList.children[index] ?? null);
  });
  dom.jobsEmpty.hidden = ordered.length > 0;
  renderCounters();
}

function renderCounters() {
  const count = (state) => [...jobs.values()].filter((job) => job.state === state).length;
  const parts = [
    ['running', count('running')],
    ['queued', count('queued')],
    ['completed', count('completed')],
    ['failed', count('failed')],
  ].filter(([, n]) => n > 0);
  dom.counters.replaceChildren(...parts.map(([label, n]) => h('span', { class: 'counter' }, h('b', {}, String(n)), ` ${label}`)));
}

function applyUpdate(update) {
  const known = jobs.get(update.id);
  if (!known) return void refreshJobs(); // a job this page has not listed yet
  const job = mergeJob(update);
  renderJob(job);
  renderCounters();
  // A job started or finished: the header's worker count changed.
  if (job.state !== known.state) refreshInstance();
}

async function refreshJobs() {
  try {
    const list = await api('/api/jobs');
    // The live stream is fresher for the jobs it follows, until they finish.
    for (const job of list) if (!(followed.has(job.id) && isActive(job))) mergeJob(job);
    // Jobs that fell off the server's recent list stay until the page reloads.
    renderJobs();
    followActiveJobs();
  } catch {
    /* the header shows that the server is unreachable */
  }
}

async function startJob(mediaId) {
  const job = await api('/api/jobs', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ mediaId }),
  });
  mergeJob(job);
  renderJobs();
  followActiveJobs();
}

async function cancelJob(id, button) {
  button.disabled = true;
  try {
    applyUpdate(await api(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }));
  } catch (error) {
    const li = jobElements.get(id);
    if (li) li.querySelector('.job-message').textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- live updates

/** One stream for all the jobs being followed: browsers allow only six connections per host. */
let stream = null;
let followed = new Set();

function followActiveJobs() {
  const active = [...jobs.values()].filter(isActive).map((job) => job.id);
  if (active.every((id) => followed.has(id))) return;
  // A job to follow is missing: reopen the stream for every active job.
  stream?.close();
  followed = new Set(active);
  stream = new EventSource(`/api/events?ids=${encodeURIComponent(active.join(','))}`);
  const current = stream;
  current.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.kind === 'update') applyUpdate(message.job);
    else if (message.kind === 'end' && stream === current) {
      // Every job it followed has finished; left open, the browser would reconnect.
      current.close();
      stream = null;
      followed = new Set();
      followActiveJobs();
    }
  });
}

// ---------------------------------------------------------------- wiring

dom.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  showFormError('');
  const mediaId = dom.form.elements.mediaId?.value;
  if (!mediaId) return showFormError('Pick a file first.');
  dom.startButton.disabled = true;
  try {
    await startJob(mediaId);
  } catch (error) {
    showFormError(`Could not start the job: ${error.message}`);
  } finally {
    dom.startButton.disabled = false;
  }
});

dom.fileInput.addEventListener('change', () => {
  const file = dom.fileInput.files?.[0];
  if (file) upload(file);
});

for (const type of ['dragenter', 'dragover']) {
  dom.dropzone.addEventListener(type, (event) => {
    event.preventDefault();
    dom.dropzone.classList.add('dragging');
  });
}
for (const type of ['dragleave', 'drop']) {
  dom.dropzone.addEventListener(type, () => dom.dropzone.classList.remove('dragging'));
}
dom.dropzone.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = event.dataTransfer?.files?.[0];
  if (file) upload(file);
});

// Relative times tick; the list and the header catch up with other tabs and instances.
setInterval(() => {
  const now = Date.now();
  for (const job of jobs.values()) {
    const time = jobElements.get(job.id)?.querySelector('.job-time');
    if (time) time.textContent = jobTime(job, now);
  }
}, 1000);
setInterval(() => {
  if (document.hidden) return;
  refreshJobs();
  refreshInstance();
}, POLL_MS);

await Promise.all([loadMedia(), refreshJobs(), refreshInstance()]);
