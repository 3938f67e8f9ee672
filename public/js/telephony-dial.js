// The console's Call button in Twilio mode: asks the desk to ring the caller's phone, then shows the call's progress.
const POLL_MS = 1500;

for (const control of document.querySelectorAll('.telephony-dial')) {
  const button = control.querySelector('[data-telephony-call]');
  const status = control.querySelector('[data-telephony-status]');
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const taskId = control.dataset.taskId;

  const show = (text, failed = false) => {
    status.textContent = text;
    status.classList.toggle('error', failed);
  };

  const request = async (method, url) => {
    const response = await fetch(url, {
      method,
      headers: { accept: 'application/json', 'x-csrf-token': csrf },
      credentials: 'same-origin',
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body?.error?.message ?? response.statusText);
    return body.data;
  };

  const follow = async (attemptId) => {
    for (;;) {
      const attempt = await request('GET', `/api/telephony/attempts/${attemptId}`);
      show(attempt.errorMessage ?? attempt.stateLabel ?? '', Boolean(attempt.errorMessage));
      if (attempt.finished) {
        // The queue may have recorded no answer/busy itself; the console page says what comes next.
        document.dispatchEvent(new CustomEvent('telephony:ended', { detail: attempt }));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };

  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const attempt = await request('POST', `/api/telephony/tasks/${taskId}/call`);
      show(attempt.stateLabel ?? '');
      await follow(attempt.attemptId);
    } catch (error) {
      show(error.message, true);
    } finally {
      button.disabled = false;
    }
  });
}
