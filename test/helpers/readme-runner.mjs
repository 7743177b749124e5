// Runs one README code block (already transpiled to an ES module) for test/readme.test.ts:
//
//   node readme-runner.mjs <block.mjs> '<requests as JSON>'
//
// Servers the block starts listen on a free port instead of the one written (`listen(8443)`
// becomes `listen(0)`), so blocks never collide with each other or with anything else on the
// machine. Once the block's top level has finished and its servers listen, the runner sends the
// requests its `<!-- readme-test: request GET /path STATUS -->` comment asks for to the one
// plain-http server it started, prints each answer, waits a moment for late failures (a handler
// that throws after answering, a promise nobody awaits), prints "readme-test: done" and exits 0:
// servers and sources still running are the normal end of a block. An uncaught exception or an
// unhandled rejection ends the process with Node's own non-zero exit code before that; a block
// that calls process.exit(0) itself prints "readme-test: exited".
import http from 'node:http';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

const [block, requestsJson = '[]'] = process.argv.slice(2);
/** @type {{ method: string; path: string; status?: number }[]} */
const requests = JSON.parse(requestsJson);

/** @type {net.Server[]} */
const servers = [];
/** @type {Promise<unknown>[]} Settles when each server listens, or failed, or was closed again. */
const started = [];
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const [first] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) args[0] = 0;
  else if (first !== null && typeof first === 'object' && 'port' in first) args[0] = { ...first, port: 0 };
  servers.push(this);
  started.push(new Promise((resolve) => ['listening', 'error', 'close'].forEach((e) => this.once(e, resolve))));
  return listen.apply(this, args);
};

const say = (line) => process.stdout.write(`readme-test: ${line}\n`);
let finished = false;
// A block may end itself with process.exit(0) (its own, not the runner's).
process.on('exit', (code) => {
  if (!finished && code === 0) process.stdout.write('readme-test: exited\n');
});

await import(pathToFileURL(block).href);
say('evaluated');
await Promise.all(started);

if (requests.length > 0) {
  const web = servers.filter((s) => s instanceof http.Server && typeof s.address() === 'object');
  if (web.length !== 1) {
    say(`error: a request needs exactly one plain-http server, the block started ${web.length}`);
    process.exit(1);
  }
  const { port } = /** @type {net.AddressInfo} */ (web[0].address());
  for (const { method, path, status } of requests) {
    const got = await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });
    say(`${method} ${path} -> ${got.status} ${got.body.slice(0, 200)}`);
    if (status !== undefined && got.status !== status) {
      say(`error: ${method} ${path} answered ${got.status}, expected ${status}`);
      process.exit(1);
    }
  }
}

// Late failures (an 'error' event nobody listens to, a rejected promise nobody awaits) surface
// within a few turns of the event loop; this is a window to see them, not a timing assertion.
await new Promise((resolve) => setTimeout(resolve, 300));
say(`done (${servers.filter((s) => s.listening).length} servers still listening)`);
finished = true;
process.exit(0);
