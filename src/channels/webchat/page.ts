import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * The headers of the WebChat's pages. The policy lets only the page's own scripts (by nonce) run, fetch nothing from
 * elsewhere and load no image but its own: whatever a model's answer holds, it cannot run script or call out.
 */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}

let markdownRenderer: Promise<Buffer> | undefined;

/** markdown-it's browser build, read once from node_modules. */
export function markdownRendererFile(): Promise<Buffer> {
  markdownRenderer ??= readFile(createRequire(import.meta.url).resolve('markdown-it/browser'));
  return markdownRenderer;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The look both pages share. */
const baseStyle = `
  :root { --ink: #1f2933; --muted: #5f6b76; --line: #dde1e4; --paper: #f6f6f4; --accent: #2f6fed; }
  * { box-sizing: border-box; }
  body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: var(--ink); background: var(--paper); }
  code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
  header { padding: 10px 16px; background: var(--ink); color: #fff; font-weight: 600; display: flex; align-items: baseline; gap: 10px; }
  header small { font-weight: 400; opacity: .75; }
`;

/** What a browser without the WebChat's cookie sees: what this is, and how to get the link that opens it. */
export function webChatLockedPage(reason: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClawFlow WebChat</title>
<style>${baseStyle}
  main { max-width: 560px; margin: 48px auto; padding: 28px 32px; background: #fff; border: 1px solid var(--line); border-radius: 14px; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  ol { padding-left: 20px; } li { margin: 6px 0; }
  code { background: #f0f2f4; padding: 2px 6px; border-radius: 5px; }
  .reason { color: #8a3b12; background: #fff4e5; border: 1px solid #f3d2a8; padding: 8px 12px; border-radius: 8px; }
</style>
</head>
<body>
<header>ClawFlow <small>WebChat</small></header>
<main id="locked">
<h1>This chat needs its link</h1>
<p class="reason">${escapeHtml(reason)}</p>
<ol>
<li>Where ClawFlow runs, find the line <code>WebChat http://127.0.0.1:…/?token=…</code> that <code>npm start</code> printed, and open that link in this browser.</li>
<li>Lost it? <code>clawflow channels status</code> (in the checkout: <code>npx clawflow channels status</code>) prints it again.</li>
</ol>
<p>The link carries this install’s key: once opened, this browser remembers it. Don’t share it.</p>
</main>
</body>
</html>
`;
}

/** A paperclip drawn in SVG: it shows whatever fonts the machine has. */
const paperclip = `<svg class="clip" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round"><path transform="rotate(40 12 12)" d="M16 8v8a4 4 0 0 1-8 0V6a2.5 2.5 0 0 1 5 0v9a1 1 0 0 1-2 0V8"/></svg>`;

/**
 * The WebChat page: one file, no build step. Talks to /ws; shows the history, streams replies as they are written,
 * renders the agent's Markdown (no HTML of its own: markdown-it with html off, links to http(s) and mail only, no
 * images), shows approval requests as buttons, keeps what is written while the connection is down and sends it when
 * it is back, and sends files chosen, dropped or pasted with a message (together at most `maxUploadBytes`).
 */
export const webChatPage = (maxUploadBytes: number, nonce: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClawFlow</title>
<style>${baseStyle}
  body { display: flex; flex-direction: column; height: 100vh; }
  #state.offline { color: #ffd38a; opacity: 1; }
  #log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px; }
  .msg { max-width: 75%; padding: 8px 12px; border-radius: 12px; word-wrap: break-word; overflow-wrap: anywhere; }
  .user { align-self: flex-end; background: var(--accent); color: #fff; white-space: pre-wrap; }
  .assistant { align-self: flex-start; background: #fff; border: 1px solid var(--line); }
  .assistant > :first-child { margin-top: 0; } .assistant > :last-child { margin-bottom: 0; }
  .assistant p { margin: 0 0 8px; }
  .assistant ul, .assistant ol { margin: 4px 0 8px; padding-left: 22px; }
  .assistant code { background: #f0f2f4; padding: 1px 5px; border-radius: 4px; }
  .assistant pre { background: #1f2933; color: #e6edf3; padding: 10px 12px; border-radius: 8px; overflow-x: auto; }
  .assistant pre code { background: none; padding: 0; color: inherit; }
  .assistant a { color: var(--accent); }
  .assistant blockquote { margin: 0 0 8px; padding-left: 10px; border-left: 3px solid var(--line); color: var(--muted); }
  .assistant table { border-collapse: collapse; } .assistant td, .assistant th { border: 1px solid var(--line); padding: 3px 8px; }
  .error { align-self: flex-start; background: #fde8e8; border: 1px solid #f5b5b5; white-space: pre-wrap; }
  .pending { opacity: .65; }
  .note { display: block; font-size: 12px; opacity: .9; margin-top: 4px; font-style: italic; }
  .file { display: inline-flex; align-items: center; gap: 3px; margin-right: 10px; }
  .approval { border-color: #f0c36d; background: #fffaf0; }
  .approval pre { white-space: pre-wrap; margin: 6px 0 8px; }
  .approval .choices { display: flex; flex-wrap: wrap; gap: 6px; }
  .approval button { padding: 6px 12px; }
  .approval button.deny { background: #fff; color: #b42318; border: 1px solid #e4a3a0; }
  .approval button.always { background: #fff; color: var(--accent); border: 1px solid #b8cdf8; }
  .approval .outcome { font-size: 13px; color: var(--muted); margin-top: 6px; }
  #welcome { align-self: center; max-width: 520px; background: #fff; border: 1px solid var(--line); border-radius: 14px; padding: 18px 22px; margin: auto 0; }
  #welcome h2 { font-size: 17px; margin: 0 0 8px; } #welcome p { margin: 6px 0; color: var(--muted); }
  #welcome code { background: #f0f2f4; padding: 1px 5px; border-radius: 4px; }
  form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid var(--line); background: #fff; }
  textarea { flex: 1; resize: none; font: inherit; padding: 8px; border-radius: 8px; border: 1px solid #ccc; }
  button { padding: 0 18px; border: 0; border-radius: 8px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
  #attach { padding: 0 12px; border-radius: 8px; border: 1px solid #ccc; display: flex; align-items: center; cursor: pointer; color: var(--muted); }
  #attach:hover { color: var(--ink); }
  #chosen { padding: 0 12px 8px; font-size: 13px; color: var(--muted); background: #fff; }
</style>
</head>
<body>
<header>ClawFlow <small id="state">connecting…</small></header>
<aside id="notice" hidden style="padding:12px 16px;background:#fff8e1;border-bottom:1px solid #f0d98c"><strong id="notice-title"></strong><div id="notice-body" style="max-width:260px"></div></aside>
<main id="log" aria-live="polite"></main>
<form id="form"><label id="attach" title="Attach files">${paperclip}<input id="files" type="file" multiple hidden></label><textarea id="text" rows="2" placeholder="Message your agent" aria-label="message"></textarea><button id="send" type="submit">Send</button></form>
<div id="chosen" hidden></div>
<template id="clip">${paperclip}</template>
<script nonce="${nonce}" src="/assets/markdown-it.js"></script>
<script nonce="${nonce}">
  const log = document.getElementById('log');
  const state = document.getElementById('state');
  window.__events = [];
  let socket = null, streaming = null, finishedTurn = null, retryMs = 500;
  // The ids of the reply parts shown (the newest 500).
  const shownReplies = [];
  /** Ids sent on the socket now open (a message not confirmed is sent again on the next one: the session keeps one of each id). */
  let sentHere = new Set();

  // The agent's Markdown, as HTML that cannot run anything: raw HTML is shown as text, links go to http(s) and mail only,
  // in a new tab, and no image is loaded (an image address can carry data out).
  const md = window.markdownit ? window.markdownit({ html: false, linkify: true, breaks: true }) : null;
  if (md) {
    md.disable(['image']);
    md.validateLink = (url) => /^(https?:|mailto:)/i.test(url.trim());
    const linkOpen = md.renderer.rules.link_open || ((tokens, i, options, env, self) => self.renderToken(tokens, i, options));
    md.renderer.rules.link_open = (tokens, i, options, env, self) => {
      tokens[i].attrSet('target', '_blank');
      tokens[i].attrSet('rel', 'noopener noreferrer');
      return linkOpen(tokens, i, options, env, self);
    };
  }
  function render(node, text) {
    if (md) node.innerHTML = md.render(text).trim();
    else { node.style.whiteSpace = 'pre-wrap'; node.textContent = text; }
  }

  function scroll() { log.scrollTop = log.scrollHeight; }
  function bubble(role, text, extra) {
    document.getElementById('welcome')?.remove();
    const div = document.createElement('div');
    div.className = 'msg ' + role + (extra ? ' ' + extra : '');
    if (role === 'assistant') render(div, text); else div.textContent = text;
    log.appendChild(div);
    scroll();
    return div;
  }
  function fileChip(name) {
    const span = document.createElement('span');
    span.className = 'file';
    span.appendChild(document.getElementById('clip').content.cloneNode(true));
    span.appendChild(document.createTextNode(name));
    return span;
  }

  // What was written and not yet confirmed by the session, in order; kept across reloads (without files) in this browser.
  const outboxKey = 'clawflow-webchat-outbox';
  let outbox = [];
  try { outbox = JSON.parse(localStorage.getItem(outboxKey) || '[]').filter((m) => m && typeof m.id === 'string' && typeof m.text === 'string'); } catch { outbox = []; }
  function saveOutbox() {
    try { localStorage.setItem(outboxKey, JSON.stringify(outbox.filter((m) => !m.files).map((m) => ({ id: m.id, text: m.text, quiet: m.quiet })))); } catch { /* storage full or off: kept in this page only */ }
  }
  const online = () => socket && socket.readyState === WebSocket.OPEN;
  const waitingNote = 'Not sent yet: the connection is down. It goes out when it is back.';
  function showOutboxed(m) {
    if (m.quiet) return;
    const div = bubble('user', m.text, 'pending');
    div.dataset.id = m.id;
    for (const name of m.fileNames || []) { div.appendChild(document.createElement('br')); div.appendChild(fileChip(name)); }
    if (!online()) { const note = document.createElement('span'); note.className = 'note'; note.textContent = waitingNote; div.appendChild(note); }
  }
  function flush() {
    if (!online()) return;
    for (const m of outbox) {
      if (sentHere.has(m.id)) continue;
      socket.send(JSON.stringify(m.files ? { type: 'message', id: m.id, text: m.text, files: m.files } : { type: 'message', id: m.id, text: m.text }));
      sentHere.add(m.id);
    }
    for (const note of log.querySelectorAll('.pending .note')) note.remove();
  }
  function post(text, files, options) {
    const m = { id: crypto.randomUUID(), text };
    if (files.length) { m.files = files; m.fileNames = files.map((f) => f.name); }
    if (options && options.quiet) m.quiet = true;
    outbox.push(m);
    saveOutbox();
    showOutboxed(m);
    flush();
  }
  function confirmed(id) {
    outbox = outbox.filter((m) => m.id !== id);
    saveOutbox();
    const mine = log.querySelector('[data-id="' + CSS.escape(id) + '"]');
    if (mine) { mine.classList.remove('pending'); mine.querySelector('.note')?.remove(); }
  }

  function welcome() {
    const box = document.createElement('section');
    box.id = 'welcome';
    box.innerHTML = '<h2>Welcome</h2>' +
      '<p>This is your agent. Write below and press Enter; <code>/help</code> lists the commands, <code>/new</code> starts over.</p>' +
      '<p>Attach files with the clip, or drop or paste them here.</p>' +
      '<p>Nothing said here is lost: close this tab, or restart ClawFlow, and the conversation is still here.</p>';
    log.appendChild(box);
  }

  const decisions = { approve: 'Allow once', always: 'Always allow', deny: 'Deny' };
  function approvalCard(request) {
    if (log.querySelector('[data-approval="' + CSS.escape(request.id) + '"]')) return;
    document.getElementById('welcome')?.remove();
    const card = document.createElement('div');
    card.className = 'msg assistant approval';
    card.dataset.approval = request.id;
    const title = document.createElement('div');
    title.textContent = 'I’d like to run (' + request.tool + '):';
    const subject = document.createElement('pre');
    subject.textContent = request.subject;
    const choices = document.createElement('div');
    choices.className = 'choices';
    const outcome = document.createElement('div');
    outcome.className = 'outcome';
    outcome.textContent = 'Waiting for your answer until ' + new Date(request.expiresAt).toLocaleTimeString() + ' (request ' + request.id + ').';
    for (const [verb, label] of Object.entries(decisions)) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = verb;
      button.textContent = label;
      button.onclick = () => {
        for (const b of choices.querySelectorAll('button')) b.disabled = true;
        outcome.textContent = 'You chose: ' + label + '.';
        post('/' + verb + ' ' + request.id, [], { quiet: true });
      };
      choices.appendChild(button);
    }
    card.append(title, subject, choices, outcome);
    log.appendChild(card);
    scroll();
  }

  function showState() {
    if (online()) { state.textContent = 'connected'; state.className = ''; }
    else { state.textContent = 'offline: reconnecting… what you write is kept and sent when it is back'; state.className = 'offline'; }
  }
  function connect() {
    // The browser's cookie says whose conversation this is.
    socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    socket.onopen = () => { retryMs = 500; sentHere = new Set(); showState(); };
    socket.onclose = () => {
      showState();
      for (const div of log.querySelectorAll('.pending')) if (!div.querySelector('.note')) { const note = document.createElement('span'); note.className = 'note'; note.textContent = waitingNote; div.appendChild(note); }
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      window.__events.push(data.type);
      if (data.type === 'history') {
        log.textContent = '';
        streaming = null;
        for (const entry of data.entries) bubble(entry.role === 'user' ? 'user' : 'assistant', entry.text);
        // Taken by the session and not answered yet (a turn under way, an approval waiting): shown, and not sent again.
        const unanswered = data.unanswered || [];
        for (const m of unanswered) bubble('user', m.text).dataset.id = m.id;
        outbox = outbox.filter((o) => !unanswered.some((m) => m.id === o.id));
        saveOutbox();
        if (data.entries.length === 0 && unanswered.length === 0 && outbox.length === 0) welcome();
        for (const m of outbox) showOutboxed(m);
        // Sent after the history: what was written meanwhile goes out in order.
        flush();
      } else if (data.type === 'accepted') {
        confirmed(data.id);
      } else if (data.type === 'typing') {
        state.textContent = 'typing…';
      } else if (data.type === 'delta') {
        // A piece that comes after its reply was shown (the last of a stream can trail the reply) is already in it.
        if (data.turn === finishedTurn) return;
        if (!streaming || streaming.turn !== data.turn) streaming = { turn: data.turn, text: '', node: bubble('assistant', '') };
        streaming.text += data.text;
        render(streaming.node, streaming.text);
        scroll();
      } else if (data.type === 'reply') {
        // A part of a reply is shown once: a delivery retried after a crash may send it again, under the same id.
        if (data.id) { if (shownReplies.includes(data.id)) return; shownReplies.push(data.id); if (shownReplies.length > 500) shownReplies.shift(); }
        // The final words of the reply being streamed replace it; anything else (an approval's outcome) is a message of its own.
        if (streaming && data.text.startsWith(streaming.text.trim().slice(0, 24))) { render(streaming.node, data.text); finishedTurn = streaming.turn; streaming = null; }
        else bubble('assistant', data.text);
        showState();
      } else if (data.type === 'approval') {
        approvalCard(data);
      } else if (data.type === 'notice') {
        const box = document.getElementById('notice');
        box.hidden = !data.notice;
        if (data.notice) {
          document.getElementById('notice-title').textContent = data.notice.title;
          document.getElementById('notice-body').innerHTML = data.notice.svg;
        }
      } else if (data.type === 'error') {
        // A message the connector refused is not sent again.
        if (data.id) { outbox = outbox.filter((m) => m.id !== data.id); saveOutbox(); log.querySelector('[data-id="' + CSS.escape(data.id) + '"]')?.classList.remove('pending'); }
        bubble('error', data.message);
      }
    };
  }

  const maxUploadBytes = ${maxUploadBytes};
  let chosen = [];
  function showChosen() {
    const line = document.getElementById('chosen');
    line.hidden = chosen.length === 0;
    line.textContent = '';
    for (const f of chosen) line.appendChild(fileChip(f.name));
  }
  function choose(files) {
    chosen = chosen.concat(Array.from(files)).slice(0, 8);
    showChosen();
  }
  document.getElementById('files').onchange = (event) => { choose(event.target.files); event.target.value = ''; };
  document.addEventListener('paste', (event) => { if (event.clipboardData && event.clipboardData.files.length) choose(event.clipboardData.files); });
  document.addEventListener('dragover', (event) => event.preventDefault());
  document.addEventListener('drop', (event) => { event.preventDefault(); choose(event.dataTransfer.files); });
  function base64Of(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(file);
    });
  }
  document.getElementById('form').onsubmit = async (event) => {
    event.preventDefault();
    const input = document.getElementById('text');
    const text = input.value.trim();
    if (!text && chosen.length === 0) return;
    const size = chosen.reduce((sum, f) => sum + f.size, 0);
    if (size > maxUploadBytes) {
      bubble('error', 'These files are ' + Math.ceil(size / 1e6) + ' MB together; this install takes at most ' + Math.floor(maxUploadBytes / 1e6) + ' MB with one message (media.maxBytes).');
      return;
    }
    const files = await Promise.all(chosen.map(async (f) => ({ name: f.name, type: f.type, data: await base64Of(f) })));
    input.value = '';
    chosen = [];
    showChosen();
    post(text, files);
  };
  document.getElementById('text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); document.getElementById('form').requestSubmit(); }
  });
  showState();
  connect();
</script>
</body>
</html>
`;
