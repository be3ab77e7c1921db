/** What a browser without the WebChat's cookie sees: how to get in. */
export function webChatLockedPage(reason: string): string {
  const text = reason.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ClawFlow</title></head>
<body style="font: 15px/1.45 system-ui, sans-serif; margin: 40px"><h1>ClawFlow WebChat</h1><p>${text}</p>
<p>Lost it? <code>npx clawflow channels status</code> shows the link again.</p></body></html>`;
}

/**
 * The WebChat page: one file, no build step. Talks to /ws; shows the history, streams replies as they are written;
 * sends files chosen, dropped or pasted with a message (together at most `maxUploadBytes`).
 */
export const webChatPage = (maxUploadBytes: number): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ClawFlow</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; background: #f6f6f4; }
  header { padding: 10px 16px; background: #1f2933; color: #fff; font-weight: 600; }
  header small { font-weight: 400; opacity: .7; margin-left: 8px; }
  #log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 8px; }
  .msg { max-width: 75%; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; }
  .user { align-self: flex-end; background: #2f6fed; color: #fff; }
  .assistant { align-self: flex-start; background: #fff; border: 1px solid #ddd; }
  .error { align-self: flex-start; background: #fde8e8; border: 1px solid #f5b5b5; }
  .pending { opacity: .6; }
  form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid #ddd; background: #fff; }
  textarea { flex: 1; resize: none; font: inherit; padding: 8px; border-radius: 8px; border: 1px solid #ccc; }
  button { padding: 0 18px; border: 0; border-radius: 8px; background: #2f6fed; color: #fff; font: inherit; cursor: pointer; }
  #attach { padding: 0 12px; border-radius: 8px; border: 1px solid #ccc; display: flex; align-items: center; cursor: pointer; }
  #chosen { padding: 0 12px 8px; font-size: 13px; color: #555; background: #fff; }
</style>
</head>
<body>
<header>ClawFlow <small id="state">connecting…</small></header>
<aside id="notice" hidden style="padding:12px 16px;background:#fff8e1;border-bottom:1px solid #f0d98c"><strong id="notice-title"></strong><div id="notice-body" style="max-width:260px"></div></aside>
<main id="log" aria-live="polite"></main>
<form id="form"><label id="attach" title="Attach files">📎<input id="files" type="file" multiple hidden></label><textarea id="text" rows="2" placeholder="Message your agent" aria-label="message"></textarea><button id="send" type="submit">Send</button></form>
<div id="chosen" hidden></div>
<script>
  const log = document.getElementById('log');
  const state = document.getElementById('state');
  window.__events = [];
  let socket, streaming = null;
  function bubble(role, text, extra) {
    const div = document.createElement('div');
    div.className = 'msg ' + role + (extra ? ' ' + extra : '');
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }
  function connect() {
    // The browser's cookie says whose conversation this is.
    socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
    socket.onopen = () => { state.textContent = 'connected'; };
    socket.onclose = () => { state.textContent = 'reconnecting…'; setTimeout(connect, 1000); };
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      window.__events.push(data.type);
      if (data.type === 'history') {
        log.textContent = '';
        for (const entry of data.entries) bubble(entry.role, entry.text);
      } else if (data.type === 'accepted') {
        const mine = log.querySelector('[data-id="' + data.id + '"]');
        if (mine) mine.classList.remove('pending');
      } else if (data.type === 'typing') {
        state.textContent = 'typing…';
      } else if (data.type === 'delta') {
        if (!streaming || streaming.turn !== data.turn) streaming = { turn: data.turn, node: bubble('assistant', '') };
        streaming.node.textContent += data.text;
        log.scrollTop = log.scrollHeight;
      } else if (data.type === 'reply') {
        if (streaming) { streaming.node.textContent = data.text; streaming = null; }
        else bubble('assistant', data.text);
        state.textContent = 'connected';
      } else if (data.type === 'notice') {
        const box = document.getElementById('notice');
        box.hidden = !data.notice;
        if (data.notice) {
          document.getElementById('notice-title').textContent = data.notice.title;
          document.getElementById('notice-body').innerHTML = data.notice.svg;
        }
      } else if (data.type === 'error') {
        bubble('error', data.message);
      }
    };
  }
  const maxUploadBytes = ${maxUploadBytes};
  let chosen = [];
  function showChosen() {
    const line = document.getElementById('chosen');
    line.hidden = chosen.length === 0;
    line.textContent = chosen.map((f) => '📎 ' + f.name).join('  ');
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
    if ((!text && chosen.length === 0) || socket.readyState !== WebSocket.OPEN) return;
    const size = chosen.reduce((sum, f) => sum + f.size, 0);
    if (size > maxUploadBytes) {
      bubble('error', 'These files are ' + Math.ceil(size / 1e6) + ' MB together; this install takes at most ' + Math.floor(maxUploadBytes / 1e6) + ' MB with one message (media.maxBytes).');
      return;
    }
    const files = await Promise.all(chosen.map(async (f) => ({ name: f.name, type: f.type, data: await base64Of(f) })));
    const id = crypto.randomUUID();
    bubble('user', [text].concat(chosen.map((f) => '📎 ' + f.name)).filter(Boolean).join('\\n'), 'pending').dataset.id = id;
    socket.send(JSON.stringify(files.length ? { type: 'message', id, text, files } : { type: 'message', id, text }));
    input.value = '';
    chosen = [];
    showChosen();
  };
  document.getElementById('text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); document.getElementById('form').requestSubmit(); }
  });
  connect();
</script>
</body>
</html>
`;
