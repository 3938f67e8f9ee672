// The live board in the browser: joins its room over socket.io, draws the snapshot, applies numbered events.
(async () => {
  const { BoardSequence } = await import('/static/js/board-sequence.js');
  const config = JSON.parse(document.getElementById('board-config').textContent);
  const lang = config.lang === 'en' ? 'en' : 'hi';
  const locale = lang === 'en' ? 'en-IN' : 'hi-IN';
  // Event names: the same strings as server/features/board/board.events.ts (BOARD_EVENTS).
  const EV = { join: 'board:join', event: 'board:event' };
  const REFRESH_AFTER_MS = 3000;

  const msg = (key, params = {}) =>
    (config.messages[key] ?? key).replace(/\{(\w+)\}/g, (w, n) => (n in params ? String(params[n]) : w));
  const fmt = (n) => Number(n).toLocaleString(locale);
  const name = (local) => (local ? local[lang] || local.en || '' : '');
  const time = (iso) =>
    new Date(iso).toLocaleTimeString(locale, {
      timeZone: 'Asia/Kolkata',
      hour: 'numeric',
      minute: '2-digit',
    });
  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const verdictClass = (v) => (v === 'satisfied' ? 'ok' : v === 'partly_satisfied' ? 'warn' : v ? 'bad' : '');
  const verdictCount = {
    satisfied: 'satisfied',
    partly_satisfied: 'partlySatisfied',
    unsatisfied: 'unsatisfied',
    not_addressed: 'unsatisfied',
  };

  const board = $('board');
  const sequence = new BoardSequence();
  let snapshot = null;
  let chart = null;
  let refreshTimer = null;

  function setStatus(state, text) {
    board.dataset.state = state;
    $('board-status').textContent = text;
  }

  function renderCounts() {
    for (const [key, value] of Object.entries(snapshot.counts)) {
      const cell = board.querySelector(`[data-count="${key}"] .big-value`);
      if (cell) cell.textContent = fmt(value);
    }
  }

  function renderCallers() {
    const list = $('board-callers');
    list.replaceChildren();
    if (!snapshot.callers.length) list.append(el('li', 'empty', msg('board.callers.none')));
    for (const c of snapshot.callers) {
      const li = el('li', `caller state-${c.state}`);
      li.append(el('strong', null, c.name));
      li.append(
        el(
          'span',
          'caller-progress',
          c.total === null
            ? msg('board.caller.done', { done: fmt(c.done) })
            : msg('board.caller.progress', { done: fmt(c.done), total: fmt(c.total) }),
        ),
      );
      li.append(el('span', `badge state ${c.state}`, msg(`board.state.${c.state}`)));
      if (c.lastOutcome) {
        const v = c.lastOutcome.verdict;
        li.append(
          el('span', `badge ${verdictClass(v)}`, msg(v ? `board.verdict.${v}` : 'board.verdict.none')),
        );
      }
      list.append(li);
    }
  }

  function renderDepartments() {
    const body = $('board-departments');
    body.replaceChildren();
    for (const d of snapshot.departments) {
      const tr = el('tr');
      tr.append(el('td', null, name(d.name)));
      tr.append(el('td', 'num', fmt(d.done)));
      tr.append(
        el('td', 'num', d.satisfiedShare === null ? '–' : `${fmt(Math.round(d.satisfiedShare * 100))}%`),
      );
      tr.append(el('td', 'num', fmt(d.unsatisfied)));
      tr.append(el('td', 'num', fmt(d.flagged)));
      body.append(tr);
    }
    if (!snapshot.departments.length) {
      const tr = el('tr');
      const td = el('td', 'empty', msg('board.departments.none'));
      td.colSpan = 5;
      tr.append(td);
      body.append(tr);
    }
    renderChart();
  }

  function renderChart() {
    if (typeof Chart === 'undefined') return;
    const depts = snapshot.departments.slice(0, 12);
    const data = {
      labels: depts.map((d) => name(d.name)),
      datasets: [
        {
          label: msg('board.count.satisfied'),
          data: depts.map((d) => d.satisfied),
          backgroundColor: '#1f7a3a',
        },
        {
          label: msg('board.count.partlySatisfied'),
          data: depts.map((d) => d.done - d.satisfied - d.unsatisfied),
          backgroundColor: '#d99a1e',
        },
        {
          label: msg('board.count.unsatisfied'),
          data: depts.map((d) => d.unsatisfied),
          backgroundColor: '#b3261e',
        },
      ],
    };
    if (chart) {
      chart.data = data;
      chart.update('none');
      return;
    }
    chart = new Chart($('board-chart'), {
      type: 'bar',
      data,
      options: {
        indexAxis: 'y',
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }

  function feedItem(f) {
    const li = el('li', `feed-item ${verdictClass(f.verdict)}`);
    li.dataset.outcomeId = String(f.outcomeId);
    li.append(el('time', 'muted', time(f.at)));
    li.append(el('strong', 'ref', f.referenceNo));
    li.append(el('span', null, name(f.department)));
    li.append(
      el(
        'span',
        `badge ${verdictClass(f.verdict)}`,
        msg(f.verdict ? `board.verdict.${f.verdict}` : 'board.verdict.none'),
      ),
    );
    if (f.callerName) li.append(el('span', 'muted', f.callerName));
    return li;
  }

  function renderFeed() {
    const list = $('board-feed');
    list.replaceChildren(...snapshot.feed.map(feedItem));
    if (!snapshot.feed.length) list.append(el('li', 'empty', msg('board.feed.none')));
  }

  function renderReview() {
    const e = snapshot.explanations;
    $('board-expl-pending').textContent = fmt(e.pending);
    $('board-expl-overdue').textContent = fmt(e.overdue);
    $('board-overdue').replaceChildren(
      ...e.overdueList.map((d) => {
        const li = el('li', 'bad');
        li.append(el('strong', 'ref', d.referenceNo));
        if (d.officerName) li.append(el('span', null, d.officerName));
        li.append(el('span', 'muted', msg('board.explanations.deadline', { when: time(d.deadlineAt) })));
        return li;
      }),
    );
    const flags = $('board-flags');
    flags.replaceChildren(
      ...snapshot.flags.map((f) => {
        const li = el('li');
        li.append(el('strong', 'ref', f.referenceNo));
        li.append(el('span', null, name(f.department)));
        li.append(el('span', 'badge bad', msg(`board.flag.reason.${f.reason}`)));
        return li;
      }),
    );
    if (!snapshot.flags.length) flags.append(el('li', 'empty', msg('board.flags.none')));
  }

  function render() {
    $('board-title').textContent = name(snapshot.title);
    document.title = name(snapshot.title);
    renderCounts();
    renderCallers();
    renderDepartments();
    renderFeed();
    renderReview();
    setStatus(
      'live',
      `${msg('board.live')} · ${msg('board.updated', { time: time(new Date().toISOString()) })}`,
    );
  }

  /** Counts move at once on an outcome; everything else (and exact totals) comes with the next snapshot. */
  function applyEvent({ event, alreadyCounted }) {
    const p = event.payload;
    if (event.name === 'outcome:recorded') {
      if (!alreadyCounted) {
        const key = verdictCount[p.verdict];
        const calledBefore = snapshot.feed.some((f) => f.taskId === p.taskId);
        if (key) {
          snapshot.counts[key] += 1;
          // A verdict ends the task; the snapshot that follows corrects any guess made here.
          snapshot.counts.remaining = Math.max(0, snapshot.counts.remaining - 1);
        }
        if (!calledBefore) snapshot.counts.called += 1;
        snapshot.feed.unshift({
          outcomeId: p.outcomeId,
          taskId: p.taskId,
          sessionId: p.sessionId,
          referenceNo: p.referenceNo,
          departmentId: p.departmentId,
          department: p.department,
          callerId: p.userId,
          callerName: p.callerName,
          verdict: p.verdict,
          disposition: p.disposition,
          at: p.at,
        });
        snapshot.feed.length = Math.min(snapshot.feed.length, 30);
        const dept = snapshot.departments.find((d) => d.departmentId === p.departmentId);
        if (dept && p.verdict) {
          dept.done += 1;
          if (p.verdict === 'satisfied') dept.satisfied += 1;
          if (key === 'unsatisfied') dept.unsatisfied += 1;
          dept.satisfiedShare = dept.satisfied / dept.done;
        }
        const caller = snapshot.callers.find((c) => c.userId === p.userId);
        if (caller) {
          caller.lastOutcome = { verdict: p.verdict, referenceNo: p.referenceNo, at: p.at };
          if (key) caller.done += 1;
        }
      }
    } else if (event.name === 'caller:state') {
      const caller = snapshot.callers.find((c) => c.userId === p.userId);
      if (caller) caller.state = p.state;
      if (caller) return;
    }
    scheduleRefresh();
  }

  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      if (socket.connected) requestSnapshot();
    }, REFRESH_AFTER_MS);
  }

  const socket = io('/board', { transports: ['websocket', 'polling'] });

  function requestSnapshot() {
    sequence.expectSnapshot();
    socket.timeout(10000).emit(EV.join, config.scope, (err, reply) => {
      if (err || !reply || reply.error) {
        setStatus('error', reply?.error?.message ?? msg('board.error.internal'));
        if (!reply?.error || reply.error.key === 'board.error.internal') setTimeout(requestSnapshot, 5000);
        return;
      }
      snapshot = reply.data;
      const replay = sequence.snapshot(snapshot);
      for (const item of replay.apply) applyEvent(item);
      render();
      if (replay.refetch) requestSnapshot();
    });
  }

  socket.on('connect', requestSnapshot);
  socket.on('disconnect', () => setStatus('reconnecting', msg('board.reconnecting')));
  socket.on('connect_error', (err) => {
    if (err && err.message === 'board.error.signInRequired') {
      setStatus('error', msg('board.error.signInRequired'));
    } else setStatus('reconnecting', msg('board.reconnecting'));
  });
  socket.on(EV.event, (events) => {
    let changed = false;
    let refetch = false;
    for (const event of events) {
      const result = sequence.event(event);
      if (snapshot) for (const item of result.apply) applyEvent(item);
      changed ||= result.apply.length > 0;
      refetch ||= result.refetch;
    }
    if (changed && snapshot) render();
    if (refetch) requestSnapshot();
  });
})();
