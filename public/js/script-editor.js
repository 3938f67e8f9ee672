// The script editor's live preview: renders the template against a real complaint as the supervisor types.
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
const form = document.getElementById('script-form');
const preview = document.querySelector('[data-preview]');
const previewQuestions = document.querySelector('[data-preview-questions]');
const messageEl = form?.querySelector('[data-message]');

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

let timer = null;
async function refresh() {
  if (!preview || !form.dataset.complaintId) return;
  try {
    const data = await post('/api/calls/scripts/preview');
    preview.textContent = data.text;
    previewQuestions.replaceChildren(
      ...data.questions.map((q) => {
        const li = document.createElement('li');
        li.textContent = q.next ? `${q.text} → ${JSON.stringify(q.next)}` : q.text;
        return li;
      }),
    );
    show('', '');
  } catch (err) {
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
    try {
      const data = await post('/api/calls/scripts');
      show(data.message, 'ok');
    } catch (err) {
      show(err.message, 'error');
    }
  });
  refresh();
}
