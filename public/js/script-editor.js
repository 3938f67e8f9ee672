// The script editor's live preview: renders the template against a real complaint as the supervisor types.
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
const form = document.getElementById('script-form');
const preview = document.querySelector('[data-preview]');
const previewQuestions = document.querySelector('[data-preview-questions]');
const staleNote = document.querySelector('[data-stale-note]');
const previewError = document.querySelector('[data-preview-error]');
const messageEl = form?.querySelector('[data-message]');
const saveButton = form?.querySelector('button[type="submit"]');
const versionLabel = document.querySelector('[data-version-label]');
const versions = document.querySelector('[data-versions]');

function payload() {
  let questions;
  try {
    questions = JSON.parse(form.elements.questions.value || '[]');
  } catch {
    questions = form.elements.questions.value; // the server explains what is wrong with it
  }
  return {
    language: form.dataset.language,
    complaintId: Number(form.dataset.complaintId),
    body: form.elements.body.value,
    questions,
  };
}

async function post(url) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    credentials: 'same-origin',
    body: JSON.stringify(payload()),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body?.error?.message ?? response.statusText);
  return body.data;
}

function show(text, kind) {
  if (!messageEl) return;
  messageEl.textContent = text;
  messageEl.className = `message ${kind}`;
}

/** The preview no longer matches the text: say why beside it, and keep it dimmed as the last one that worked. */
function markStale(problem) {
  if (!preview) return;
  if (problem) preview.dataset.stale = 'true';
  else delete preview.dataset.stale;
  if (previewError) previewError.textContent = problem ?? '';
  if (staleNote) staleNote.hidden = !problem;
}

// Answers can come back out of order when typing is fast: only the latest request's answer is shown.
let asked = 0;
let timer = null;
async function refresh() {
  if (!preview || !form.dataset.complaintId) return;
  const mine = ++asked;
  try {
    const data = await post('/api/calls/scripts/preview');
    if (mine !== asked) return;
    preview.textContent = data.text;
    previewQuestions.replaceChildren(
      ...data.questions.map((q) => {
        const li = document.createElement('li');
        li.textContent = q.next ? `${q.text} → ${JSON.stringify(q.next)}` : q.text;
        return li;
      }),
    );
    markStale(null);
    show('', '');
  } catch (err) {
    if (mine !== asked) return;
    markStale(err.message);
    show(err.message, 'error');
  }
}

if (form) {
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (saveButton.disabled) return; // one version per press, however often it is clicked
    saveButton.disabled = true;
    try {
      const data = await post('/api/calls/scripts');
      show(data.message, 'ok');
      if (versionLabel) versionLabel.textContent = `v${data.version}`;
      if (versions) {
        const li = document.createElement('li');
        li.textContent = data.versionLine;
        versions.prepend(li);
      }
    } catch (err) {
      show(err.message, 'error');
    } finally {
      saveButton.disabled = false;
    }
  });
  refresh();
}
