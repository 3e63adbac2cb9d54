// The dashboard: polls /status and /history on this endpoint and draws them.
// Every text that comes from the data is put in with textContent or as an
// attribute value, never parsed as HTML: addresses, errors and event
// details are written by programs that talk to the network.
'use strict';
(function () {
  const POLL_MS = 3000;
  const WINDOW_MS = 7 * 864e5; // the timeline shows at most the last 7 days
  const FULL_EVERY_MS = 10 * 60e3; // refetch the whole window now and then
  const TOKEN_KEY = 'ddns.token';
  const SVGNS = 'http://www.w3.org/2000/svg';
  const EXIT = {0: 'finished cleanly', 1: 'unexpected failure', 2: 'config or usage error',
    3: 'network unreachable or timed out', 4: 'data rejected', 5: 'credentials rejected'};

  const $ = (id) => document.getElementById(id);
  let st = null; // the last status document
  let entries = []; // journal entries in the window, oldest first
  let histOK = false; // the last /history request succeeded
  let histNote = '';
  let fullAt = 0;
  let timer = 0;
  let memToken = ''; // where sessionStorage is refused (some private modes)

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || memToken; } catch (e) { return memToken; }
  }

  // get fetches one JSON document of this endpoint; a failure is an Error
  // with the server's own sentence and the HTTP status.
  async function get(path) {
    const h = {Accept: 'application/json'};
    const t = token();
    if (t) h.Authorization = 'Bearer ' + t;
    let r;
    try {
      r = await fetch(path, {headers: h, cache: 'no-store', credentials: 'omit', redirect: 'error'});
    } catch (e) {
      const err = new Error('the supervisor does not answer (' + e.message + ')');
      err.status = 0;
      throw err;
    }
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON: use the status line */ }
    if (!r.ok) {
      const err = new Error((body && body.error) || ('HTTP ' + r.status));
      err.status = r.status;
      throw err;
    }
    return body;
  }

  // el makes an element; text goes in as textContent, attrs as attributes.
  function el(tag, cls, text, attrs) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    for (const k in attrs || {}) e.setAttribute(k, String(attrs[k]));
    return e;
  }
  function svg(tag, attrs, title) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (title) { const t = document.createElementNS(SVGNS, 'title'); t.textContent = title; e.appendChild(t); }
    return e;
  }
  function setText(id, text, state) {
    const e = $(id);
    e.textContent = text;
    if (state !== undefined) e.setAttribute('data-state', state);
  }

  const ms = (iso) => (iso ? Date.parse(iso) : NaN);
  function dur(s) {
    s = Math.max(0, Math.round(s));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min' + (s % 60 && s < 600 ? ' ' + (s % 60) + ' s' : '');
    if (s < 86400) return Math.floor(s / 3600) + ' h' + (Math.floor(s % 3600 / 60) ? ' ' + Math.floor(s % 3600 / 60) + ' min' : '');
    return Math.floor(s / 86400) + ' d' + (Math.floor(s % 86400 / 3600) ? ' ' + Math.floor(s % 86400 / 3600) + ' h' : '');
  }
  const pad = (n) => (n < 10 ? '0' : '') + n;
  function local(t) {
    const d = new Date(t);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function ago(iso) {
    const t = ms(iso);
    if (isNaN(t)) return 'never';
    return dur((Date.now() - t) / 1000) + ' ago (' + local(t) + ')';
  }
  const recKey = (name, type) => String(name).toLowerCase().replace(/\.$/, '') + '/' + String(type).toUpperCase();
  function exitWords(x) {
    if (!x) return '';
    const how = x.signal ? 'killed by ' + x.signal : 'exit code ' + x.code + ' (' + (EXIT[x.code] || 'unknown code') + ')';
    // The supervisor's reason often restates the code ("exit code 3 (wait-network)").
    return how + (x.reason && !/^exit code /.test(x.reason) ? ': ' + x.reason : '');
  }

  // --- the status document --------------------------------------------------

  function renderOverview() {
    const c = st.child, n = st.network, s = st.supervisor;
    setText('child-state', c.state || 'unknown', c.state === 'running' ? 'ok' : 'bad');
    const d = [];
    if (c.pid) d.push('pid ' + c.pid + ', up ' + dur(c.uptime_seconds));
    d.push(c.restarts + ' restart' + (c.restarts === 1 ? '' : 's') + (c.consecutive_failures ? ', ' + c.consecutive_failures + ' failing in a row' : ''));
    if (c.last_exit) d.push('last exit ' + ago(c.last_exit.at) + ': ' + exitWords(c.last_exit));
    if (c.next_start_in_seconds > 0) d.push('next start in ' + dur(c.next_start_in_seconds));
    if (c.last_report_age_seconds > 0) d.push('last report ' + dur(c.last_report_age_seconds) + ' ago');
    setText('child-detail', d.join('; '));

    setText('network-state', n.ready ? 'ready' : 'not ready' + (n.reason ? ': ' + n.reason : ''), n.ready ? 'ok' : 'bad');
    const ul = $('checks');
    ul.replaceChildren();
    for (const ch of n.checks || []) {
      const li = el('li', ch.ok ? '' : 'bad', ch.kind + ' ' + ch.target + ': ' +
        (ch.ok ? 'ok, ' + ch.latency_ms.toFixed(1) + ' ms' : 'failing: ' + (ch.error || 'no answer')));
      li.setAttribute('data-ok', ch.ok ? 'yes' : 'no');
      ul.appendChild(li);
    }
    if (!ul.children.length) ul.appendChild(el('li', 'muted', 'no probes configured'));

    const bad = !!s.config_error;
    setText('config-state', !s.config_generation && bad ? 'no valid config yet' : 'generation ' + s.config_generation,
      bad ? (s.config_generation ? 'warn' : 'bad') : 'ok');
    $('config').setAttribute('data-generation', s.config_generation);
    const cd = [];
    if (s.config_path) cd.push(s.config_path);
    if (s.config_loaded_at) cd.push('loaded ' + ago(s.config_loaded_at));
    if (s.config_hash) cd.push('hash ' + s.config_hash);
    cd.push('supervisor ' + (s.version || '') + ', pid ' + s.pid + ', up ' + dur(s.uptime_seconds));
    setText('config-detail', cd.join('; '));
    const pre = $('config-error');
    pre.hidden = !bad;
    pre.textContent = bad ? (s.running_on_last_good ? 'The file has an error; running on the last good config' +
      (s.last_good_since ? ' (valid as of ' + local(ms(s.last_good_since)) + ')' : '') + ':\n' : 'The file has an error; the running config stays:\n') + s.config_error : '';
  }

  // lastOf is the newest journal entry of kind for record key, or null.
  function lastOf(kind, key) {
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e.kind === kind && String(e.record || '').toLowerCase() === key.toLowerCase()) return e;
    }
    return null;
  }

  function renderRecords() {
    const box = $('records');
    box.replaceChildren();
    for (const r of st.records || []) {
      const key = recKey(r.name, r.type);
      const ch = lastOf('changed', key), fail = lastOf('failed', key);
      const synced = ms(r.synced_at), failed = fail ? ms(fail.at) : NaN;
      const state = r.error ? 'error' : (isNaN(synced) ? 'pending' : 'ok');
      const card = el('article', 'card record', null, {'data-record': key, 'data-state': state});
      card.appendChild(el('h3', '', r.name + ' ' + r.type + (r.provider ? ' · ' + r.provider : '')));
      card.appendChild(el('p', 'addr', r.address || '—', {'data-address': r.address || ''}));
      const dl = el('dl');
      const row = (label, value, cls, data) => {
        dl.appendChild(el('dt', '', label));
        dl.appendChild(el('dd', cls || '', value, data));
      };
      const since = r.changed_at || (ch && ch.at);
      row('since', since ? ago(since) : (r.address ? 'before the journal begins' : 'not set yet'), 'since');
      let check = 'never', checkOK = true;
      if (!isNaN(failed) && (isNaN(synced) || failed > synced)) { check = ago(fail.at) + ', failed'; checkOK = false; }
      else if (r.error) { check = 'failing; last success ' + (isNaN(synced) ? 'never' : ago(r.synced_at)); checkOK = false; }
      else if (!isNaN(synced)) check = ago(r.synced_at) + ', ok';
      row('last check', check, 'check', {'data-ok': checkOK ? 'yes' : 'no'});
      let ver = 'unknown: no change in the journal', vdata = 'unknown';
      if (ch) {
        vdata = ch.verified ? 'yes' : 'no';
        ver = ch.verified ? 'yes, read back after the last change' : 'no, the last change was not read back';
      } else if (!histOK) ver = 'unknown: no journal';
      row('verified', ver, 'verified', {'data-verified': vdata});
      if (r.error) row('error', r.error, 'error');
      else if (fail) row('last error', fail.error + ' (' + ago(fail.at) + ', since resolved)', 'error old');
      else row('last error', 'none', 'muted');
      card.appendChild(dl);
      box.appendChild(card);
    }
    if (!box.children.length) box.appendChild(el('p', 'muted', 'No record has been reported yet.'));
  }

  // events merges the supervisor's recent events (its ring, since it
  // started) with the journal's record changes and failures, and with the
  // journal's supervisor entries from before this supervisor started (the
  // ring has those since), newest first.
  function renderEvents() {
    const list = [];
    for (const e of st.events || []) {
      const code = e.code !== undefined && !String(e.detail).includes('code ' + e.code) ? ' (code ' + e.code + ')' : '';
      list.push({at: e.at, kind: e.kind, detail: e.detail + code});
    }
    const started = Date.now() - st.supervisor.uptime_seconds * 1000 - 1000;
    for (const e of entries) {
      if (e.kind === 'changed') list.push({at: e.at, kind: 'changed', detail: e.record + ': ' + (e.old || 'none') + ' → ' + e.new + (e.verified ? ', verified' : '')});
      else if (e.kind === 'failed') list.push({at: e.at, kind: 'failed', detail: (e.record ? e.record + ': ' : '') + (e.error || ''), bad: true});
      else if (ms(e.at) < started) {
        const d = [e.detail, e.error, e.pid ? 'pid ' + e.pid : '', e.code !== undefined ? 'code ' + e.code : ''].filter(Boolean);
        list.push({at: e.at, kind: e.kind, detail: d.join('; '), bad: /exited|failed|down|paused|rejected/.test(e.kind)});
      }
    }
    list.sort((a, b) => ms(b.at) - ms(a.at));
    const ol = $('events');
    ol.replaceChildren();
    for (const e of list.slice(0, 30)) {
      const li = el('li', 'event', null, {'data-kind': e.kind});
      if (e.bad || /exited|crash|killed|failed|watchdog|waiting/.test(e.kind)) li.setAttribute('data-bad', '');
      li.appendChild(el('span', 'at', local(ms(e.at))));
      li.appendChild(el('span', 'kind', e.kind));
      li.appendChild(el('span', 'detail', e.detail));
      ol.appendChild(li);
    }
    if (!ol.children.length) ol.appendChild(el('li', 'muted', 'no events yet'));
  }

  function renderVerdict() {
    const recErr = (st.records || []).some((r) => r.error);
    let state = 'ok', text = 'all good';
    if (st.child.state !== 'running' || !st.network.ready || recErr) {
      state = 'bad';
      text = st.child.state !== 'running' ? 'updater ' + st.child.state : !st.network.ready ? 'network not ready' : 'record failing';
    } else if (st.supervisor.config_error) {
      state = 'warn';
      text = 'config error';
    }
    setText('verdict', text, state);
  }

  // --- the timeline ----------------------------------------------------------

  const LANES = [['change', 'address changes', 'changes'], ['failure', 'failed passes', 'failures'],
    ['restart', 'restarts', 'restarts'], ['outage', 'network outages', 'outages']];

  // marks turns the journal (or, without one, the status events) into
  // points and spans on the four lanes.
  function marks(now) {
    const out = {change: [], failure: [], restart: [], outage: []};
    const sup = entries.some((e) => /^(started|exited|restarted|network_down|network_up|paused)$/.test(e.kind));
    let down = null;
    for (const e of entries) {
      const t = ms(e.at);
      if (e.kind === 'changed') out.change.push({t, title: e.record + ': ' + (e.old || 'none') + ' → ' + e.new + (e.verified ? ' (verified)' : '')});
      else if (e.kind === 'failed') out.failure.push({t, title: (e.record ? e.record + ': ' : '') + (e.error || 'failed')});
      else if (e.kind === 'restarted') out.restart.push({t, title: 'restarted' + (e.detail ? ': ' + e.detail : '')});
      else if (e.kind === 'network_down' && down === null) down = {t, title: 'network down' + (e.error ? ': ' + e.error : '')};
      else if (e.kind === 'network_up' && down !== null) { out.outage.push({t: down.t, t2: t, title: down.title}); down = null; }
    }
    if (!sup) {
      // No supervisor entries in the journal: use the events ring.
      let exited = false;
      for (const e of st.events || []) {
        const t = ms(e.at);
        if (e.kind === 'exited') exited = true;
        else if (e.kind === 'started' && exited) { out.restart.push({t, title: 'restarted: ' + e.detail}); exited = false; }
        if (e.kind === 'waiting-network' && down === null) down = {t, title: 'network down: ' + e.detail};
        else if ((e.kind === 'network-ready' || e.kind === 'started') && down !== null) { out.outage.push({t: down.t, t2: t, title: down.title}); down = null; }
      }
      if (!histOK) {
        for (const r of st.records || []) {
          if (r.changed_at) out.change.push({t: ms(r.changed_at), title: r.name + ' ' + r.type + ': now ' + r.address});
        }
      }
    }
    if (down !== null) out.outage.push({t: down.t, t2: now, title: down.title + ' (still down)', open: true});
    return out;
  }

  const STEPS = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400].map((s) => s * 1000);

  function renderTimeline() {
    const now = Date.now();
    const m = marks(now);
    let first = now;
    for (const k in m) for (const p of m[k]) if (!isNaN(p.t)) first = Math.min(first, p.t);
    const span = Math.min(WINDOW_MS, Math.max(20e3, (now - first) * 1.08));
    const t0 = now - span;
    const box = $('timeline');
    const W = Math.max(280, Math.round(box.getBoundingClientRect().width) || 800);
    const H = Math.round(box.getBoundingClientRect().height) || 170;
    const gut = W < 500 ? 66 : 110, right = 10, laneH = (H - 30) / LANES.length;
    const x = (t) => gut + (Math.max(t0, Math.min(now, t)) - t0) / span * (W - gut - right);
    box.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    box.replaceChildren();
    let step = STEPS[STEPS.length - 1];
    for (const s of STEPS) if (span / s <= Math.max(2, Math.floor((W - gut) / 90))) { step = s; break; }
    const off = new Date().getTimezoneOffset() * 60e3; // ticks on local round times
    for (let t = Math.ceil((t0 - off) / step) * step + off; t <= now; t += step) {
      const d = new Date(t);
      const midnight = !d.getHours() && !d.getMinutes() && !d.getSeconds();
      const label = step >= 864e5 || (midnight && step >= 3600e3) ? pad(d.getMonth() + 1) + '-' + pad(d.getDate()) :
        pad(d.getHours()) + ':' + pad(d.getMinutes()) + (step < 60e3 ? ':' + pad(d.getSeconds()) : '');
      box.appendChild(svg('line', {class: 'axis', x1: x(t), x2: x(t), y1: 4, y2: H - 22}));
      box.appendChild(svg('text', {x: x(t), y: H - 8, 'text-anchor': 'middle'})).textContent = label;
    }
    LANES.forEach(([kind, label, short], i) => {
      const y = 6 + i * laneH + laneH / 2;
      box.appendChild(svg('text', {x: 4, y: y + 4})).textContent = W < 500 ? short : label;
      box.appendChild(svg('line', {class: 'axis', x1: gut, x2: W - right, y1: y, y2: y}));
      const g = svg('g', {class: 'lane', 'data-lane': kind, 'data-count': m[kind].length});
      for (const p of m[kind]) {
        if (isNaN(p.t)) continue;
        const a = {class: 'mark ' + kind, 'data-kind': kind, 'data-at': new Date(p.t).toISOString()};
        let e;
        if (kind === 'outage') {
          const x1 = x(p.t), x2 = Math.max(x1 + 3, x(p.t2));
          e = svg('rect', Object.assign(a, {x: x1, y: y - 9, width: x2 - x1, height: 18, 'data-open': p.open ? 'yes' : 'no'}), p.title + ', ' + local(p.t) + (p.open ? '' : ' to ' + local(p.t2)));
        } else if (kind === 'change') {
          e = svg('circle', Object.assign(a, {cx: x(p.t), cy: y, r: 5}), local(p.t) + ': ' + p.title);
        } else {
          e = svg('rect', Object.assign(a, {x: x(p.t) - 2, y: y - 9, width: 4, height: 18}), local(p.t) + ': ' + p.title);
        }
        g.appendChild(e);
      }
      box.appendChild(g);
      box.setAttribute('data-' + kind + 's', m[kind].length);
    });
    setText('range', '(last ' + dur(span / 1000) + ')');
    const note = $('history-note');
    note.hidden = !histNote;
    note.textContent = histNote;
  }

  // --- polling ---------------------------------------------------------------

  function same(a, b) { return a.at === b.at && a.kind === b.kind && a.record === b.record && a.new === b.new && a.error === b.error && a.pid === b.pid; }

  // loadHistory asks for what is new since the last entry (the whole
  // window now and then) and keeps the window's entries.
  async function loadHistory() {
    const now = Date.now();
    const full = !entries.length || now - fullAt > FULL_EVERY_MS;
    const since = full ? new Date(now - WINDOW_MS).toISOString() : entries[entries.length - 1].at;
    let h;
    try {
      h = await get('history?since=' + encodeURIComponent(since));
    } catch (e) {
      if (e.status === 401 || e.status === 0) throw e;
      histOK = false;
      histNote = 'No history: ' + e.message;
      return;
    }
    const got = h.entries || [];
    if (full) { entries = got; fullAt = now; } else {
      for (const e of got) if (!entries.some((o) => same(o, e))) entries.push(e);
      entries.sort((a, b) => ms(a.at) - ms(b.at));
    }
    const cut = now - WINDOW_MS;
    while (entries.length && ms(entries[0].at) < cut) entries.shift();
    histOK = true;
    histNote = h.skipped ? h.skipped + ' damaged journal line' + (h.skipped === 1 ? ' was' : 's were') + ' skipped.' : '';
  }

  function problem(text) {
    const p = $('problem');
    p.hidden = !text;
    p.textContent = text || '';
  }

  function askToken(refused) {
    $('auth').hidden = false;
    $('main').hidden = true;
    problem(refused ? 'The token was refused: ' + refused : '');
    setText('verdict', 'token needed', 'warn');
    $('token').focus();
  }

  function render() {
    $('main').hidden = false;
    renderVerdict();
    renderOverview();
    renderRecords();
    renderTimeline();
    renderEvents();
    setText('updated', 'updated ' + local(Date.now()));
  }

  async function tick() {
    clearTimeout(timer);
    try {
      st = await get('status');
      await loadHistory();
      $('auth').hidden = true;
      problem('');
      render();
    } catch (e) {
      if (e.status === 401) {
        askToken(token() ? e.message : '');
        return; // polling resumes when a token is given
      }
      problem(e.message + (st ? ' (showing what it said last)' : ''));
      setText('verdict', e.status === 0 ? 'no answer' : 'refused', 'bad');
    }
    // A tab in the background asks ten times less often.
    timer = setTimeout(tick, document.hidden ? 10 * POLL_MS : POLL_MS);
  }

  $('auth').addEventListener('submit', (ev) => {
    ev.preventDefault(); // never submit: the token would end up in a URL
    memToken = $('token').value.trim();
    try { sessionStorage.setItem(TOKEN_KEY, memToken); } catch (e) { /* kept in memToken for this page */ }
    $('token').value = '';
    entries = [];
    tick();
  });
  document.addEventListener('visibilitychange', () => { if (!document.hidden && st && $('auth').hidden) tick(); });
  let resizing = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { if (st && !$('main').hidden) renderTimeline(); }, 150);
  });
  tick();
})();
