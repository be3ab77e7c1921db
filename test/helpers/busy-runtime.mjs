// A runtime that answers one invocation, then reports HealthyBusy (background work) until /done is called.
import { createServer } from 'node:http';

const [host, port] = process.argv.slice(2);
let busy = false;
let changed = Math.floor(Date.now() / 1000);
const set = (value) => {
  if (busy !== value) changed = Math.floor(Date.now() / 1000);
  busy = value;
};
createServer((req, res) => {
  const json = (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (req.url === '/ping') return json({ status: busy ? 'HealthyBusy' : 'Healthy', time_of_last_update: changed });
  if (req.url === '/done') return (set(false), json({}));
  req.resume();
  req.on('end', () => {
    set(true);
    json({ response: 'started a background task' });
  });
}).listen(Number(port), host);
