// The import page: uploads the file with a progress bar, then polls the batch until it is finished.
(function () {
  'use strict';
  const form = document.getElementById('import-form');
  if (!form) return;
  const box = document.getElementById('import-progress');
  const bar = box.querySelector('.progress');
  const fill = bar.querySelector('span');
  const text = document.getElementById('import-progress-text');
  const errorBox = document.getElementById('import-error');
  const messages = JSON.parse(document.getElementById('import-messages').textContent || '{}');
  const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');

  function say(key, params) {
    let s = messages[key] || key;
    for (const [k, v] of Object.entries(params || {})) s = s.split('{' + k + '}').join(String(v));
    return s;
  }
  function show(percent, message) {
    fill.style.width = percent + '%';
    bar.setAttribute('aria-valuenow', String(percent));
    text.textContent = message;
  }
  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    form.querySelector('button[type="submit"]').disabled = false;
  }

  async function poll(batchId) {
    for (;;) {
      const res = await fetch('/api/imports/' + batchId, { headers: { accept: 'application/json' } });
      const body = await res.json();
      if (!res.ok) return fail(body.error ? body.error.message : String(res.status));
      const b = body.batch;
      if (b.status === 'running') {
        show(body.percent, say('import.progress.processing', { percent: body.percent, rows: b.rowsRead }));
        await new Promise((r) => setTimeout(r, 700));
        continue;
      }
      show(100, say('import.progress.done'));
      window.location.assign('/complaints/import/' + batchId);
      return;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    form.querySelector('button[type="submit"]').disabled = true;
    box.hidden = false;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/imports?background=1');
    xhr.setRequestHeader('x-csrf-token', csrf);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.floor((100 * e.loaded) / e.total);
      show(percent, say('import.progress.uploading', { percent }));
    });
    xhr.addEventListener('load', () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch (_) {
        body = {};
      }
      if (xhr.status === 202 && body.batchId) {
        show(0, say('import.progress.processing', { percent: 0, rows: 0 }));
        poll(body.batchId).catch((e) => fail(String(e)));
      } else fail(body.error ? body.error.message : String(xhr.status));
    });
    xhr.addEventListener('error', () => fail(String(xhr.status)));
    xhr.send(new FormData(form));
  });
})();
