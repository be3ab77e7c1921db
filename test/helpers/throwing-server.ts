// A long-running process with ClawFlow's net under it: it serves HTTP, then a callback throws and a promise rejects
// with nothing to catch them. It must log both and keep serving.
import { createServer } from 'node:http';
import { keepServingOnUncaughtErrors } from '../../src/cli/keep-serving.js';
import { createLogger } from '../../src/logger.js';

keepServingOnUncaughtErrors(createLogger('info'));
const server = createServer((_req, res) => res.end('still serving'));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
  setTimeout(() => {
    throw new Error('a bug nobody caught');
  }, 50);
  setTimeout(() => void Promise.reject(new Error('a rejection nobody handled')), 100);
});
