// The caller's console: keyboard shortcuts, branching questions, and an outcome submit that never loses what was typed.
const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
const data = JSON.parse(document.getElementById('console-data')?.textContent || 'null');
const form = document.getElementById('outcome-form');

const typing = (el) =>
  el instanceof HTMLTextAreaElement ||
  (el instanceof HTMLInputElement && !['radio', 'checkbox', 'button', 'submit'].includes(el.type));

async function postJson(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(payload?.error?.message ?? response.statusText);
    error.status = response.status;
    throw error;
  }
  return payload.data;
}

/** Tells the board what the caller is doing; losing one of these never matters, so errors are ignored. */
let lastState = null;
function callerState(state) {
  if (!data || lastState === state) return;
  lastState = state;
  postJson(`/api/tasks/${data.taskId}/state`, { state }).catch(() => {});
}

// Branching: walk from the first question, following each answer's "next" (or the next in order).
function showQuestions() {
  if (!form || !data) return;
  const questions = data.questions ?? [];
  const index = new Map(questions.map((q, i) => [q.id, i]));
  const visible = new Set();
  let i = 0;
  while (i < questions.length && !visible.has(questions[i].id)) {
    const q = questions[i];
    visible.add(q.id);
    const field =
      form.querySelector(`[name="answer.${q.id}"]:checked`) ??
      form.querySelector(`textarea[name="answer.${q.id}"]`);
    const answer = field?.value ?? '';
    const target = q.next?.[answer] ?? (answer ? q.next?.['*'] : undefined);
    if (target === 'end') break;
    i = target !== undefined && index.has(target) ? index.get(target) : i + 1;
  }
  for (const el of form.querySelectorAll('[data-question]')) el.hidden = !visible.has(el.dataset.question);
}

function syncDisposition() {
  if (!form) return;
  const chosen = form.querySelector('input[name="disposition"]:checked');
  const callback = form.querySelector('.callback-at');
  if (callback) callback.hidden = chosen?.value !== 'callback_requested';
  const verdictTaken = chosen ? chosen.dataset.verdict !== 'none' : true;
  for (const v of form.querySelectorAll('input[name="verdict"]')) {
    v.disabled = !verdictTaken;
    if (!verdictTaken) v.checked = false;
  }
}

function message(text, kind) {
  const el = form?.querySelector('[data-message]');
  if (!el) return;
  el.textContent = text;
  el.className = `message ${kind}`;
}

let saved = false;
let sending = false;
async function submitOutcome() {
  if (!form || saved || sending) return;
  const fd = new FormData(form);
  const answers = {};
  for (const el of form.querySelectorAll('[data-question]')) {
    if (el.hidden) continue;
    const id = el.dataset.question;
    const value = fd.get(`answer.${id}`);
    if (value !== null && value !== '') answers[id] = String(value);
  }
  const body = {
    idempotencyKey: fd.get('idempotencyKey'),
    scriptId: Number(fd.get('scriptId')) || null,
    disposition: fd.get('disposition') ?? '',
    verdict: fd.get('verdict') || null,
    callbackAt: fd.get('callbackAt') || null,
    remarks: fd.get('remarks') || null,
    answers,
  };
  sending = true;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  message(data?.messages?.saving ?? '…', 'info');
  try {
    // The key was made when the page rendered: a retry after a lost answer returns the first outcome.
    const result = await postJson(`/api/tasks/${data.taskId}/outcome`, body);
    saved = true;
    message(result.message ?? data.messages.saved, 'ok');
    for (const el of form.elements) el.disabled = true;
    document.querySelector('.next-call button')?.focus();
  } catch (err) {
    button.disabled = false;
    message(err.status ? err.message : data.messages.network, 'error');
  } finally {
    sending = false;
  }
}

if (form) {
  form.addEventListener('change', () => {
    showQuestions();
    syncDisposition();
    callerState('wrapping-up');
  });
  form.addEventListener('input', showQuestions);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submitOutcome();
  });
  showQuestions();
  syncDisposition();
}

document.querySelector('.dial')?.addEventListener('click', () => callerState('dialling'));
document.querySelector('[data-state="on-call"]')?.addEventListener('click', () => callerState('on-call'));

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
  const key = e.key.toLowerCase();
  if (key === 'enter' && form && !saved) {
    e.preventDefault();
    submitOutcome();
    return;
  }
  if (key === 'n') {
    const next = document.querySelector('[data-next-form]');
    if (next && (saved || !form)) {
      e.preventDefault();
      if (next.requestSubmit) next.requestSubmit();
      else next.submit();
    } else document.querySelector('a[data-shortcut="n"]')?.click();
    return;
  }
  if (key === 'd') {
    const dial = document.querySelector('[data-shortcut="d"]');
    if (dial) {
      e.preventDefault();
      dial.click();
    }
    return;
  }
  if (!form || saved) return;
  const radio =
    form.querySelector(`input[name="verdict"][data-key="${CSS.escape(key)}"]:not(:disabled)`) ??
    form.querySelector(`input[name="disposition"][data-key="${CSS.escape(key.toUpperCase())}"]`);
  if (radio) {
    e.preventDefault();
    radio.checked = true;
    radio.dispatchEvent(new Event('change', { bubbles: true }));
  }
});
