// Budget (design.md): a new SVID is presented by the next handshake after the source updates
// (<= 10 ms).
//
//   npm run build && node bench/tls-rotation-latency.mjs [rotations=30]
//
// A createTlsServer (server SVID) and a client connecting through spiffeUndiciConnect (client
// SVID, the connector spiffeHttpsAgent and undici use), on loopback. Every handshake records the
// serial the server presented and the serial the client presented (the server echoes it). The
// clock starts at the source's `svid` event (the source holds the new SVID; our listener is
// registered before the server's, so the time the server takes to rebuild its secure context is
// included) and stops when the first handshake presenting the new SVID has completed, so the
// figures include one whole handshake.
//
//  1. next handshake: one SVID is rotated (`api.rotate(id)`), and one handshake is started right
//     after the `svid` event (the budgeted case);
//  2. under load: handshakes run continuously (two in flight), both SVIDs are rotated at once, and
//     the first completed handshake presenting each new SVID is taken (it may queue behind
//     handshakes that started before the update).
import { setImmediate } from 'node:timers';
import { fmt, line, printMachine, requireBuild, summarize, verdict } from './helpers/stats.mjs';

requireBuild();
const { X509Source, authorizeId, createTlsServer, spiffeUndiciConnect } = await import('../dist/index.js');
const { TestWorkloadApi } = await import('../dist/testing/index.js');

const BUDGET_MS = 10;
const rotations = Number(process.argv[2] ?? 30);
const SERVER_ID = 'spiffe://example.org/server';
const CLIENT_ID = 'spiffe://example.org/client';

await printMachine();
const api = await TestWorkloadApi.start({ trustDomain: 'example.org', intermediate: true, identities: [{ id: SERVER_ID }, { id: CLIENT_ID }] });
const serverSource = await X509Source.create({ address: api.address, picker: { id: SERVER_ID } });
const clientSource = await X509Source.create({ address: api.address, picker: { id: CLIENT_ID } });

// Registered before the server's own rotation listener: t0 is taken before it rebuilds its context.
const updates = { server: [], client: [] };
serverSource.on('svid', ({ current }) => updates.server.push({ at: performance.now(), serial: current.leaf.serialNumber }));
clientSource.on('svid', ({ current }) => updates.client.push({ at: performance.now(), serial: current.leaf.serialNumber }));

const server = createTlsServer(serverSource, authorizeId(CLIENT_ID), (socket) => socket.end(socket.getPeerCertificate().serialNumber));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const connect = spiffeUndiciConnect(clientSource, authorizeId(SERVER_ID));

const handshakes = []; // { at, server, client }
let onHandshake; // for the "next handshake" phase
let failures = 0;
let stop = false;
function handshake() {
  return new Promise((resolve) => {
    connect({ hostname: '127.0.0.1', host: `127.0.0.1:${port}`, protocol: 'https:', port: String(port), servername: null }, (err, socket) => {
      if (err) {
        failures++;
        return resolve();
      }
      const serverSerial = socket.getPeerCertificate().serialNumber;
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (c) => (data += c));
      socket.on('end', () => {
        const h = { at: performance.now(), server: serverSerial, client: data };
        handshakes.push(h);
        onHandshake?.(h);
        socket.destroy();
        resolve();
      });
      socket.on('error', () => {
        failures++;
        resolve();
      });
    });
  });
}
// ---- 1. the next handshake after an update (one SVID at a time, nothing else running) ----------
const next = { server: [], client: [] };
for (let i = 0; i < rotations; i++) {
  for (const side of ['server', 'client']) {
    const source = side === 'server' ? serverSource : clientSource;
    const done = new Promise((resolve) => {
      source.once('svid', ({ current }) => {
        const t0 = performance.now();
        onHandshake = (h) => {
          onHandshake = undefined;
          resolve({ delay: h.at - t0, presented: h[side] === current.leaf.serialNumber });
        };
        setImmediate(handshake);
      });
    });
    await api.rotate(side === 'server' ? SERVER_ID : CLIENT_ID);
    const { delay, presented } = await done;
    if (!presented) failures++;
    next[side].push(delay);
    await new Promise((r) => setTimeout(r, 10));
  }
}
handshakes.length = 0;

// ---- 2. under load --------------------------------------------------------------------------------
const loop = async () => {
  while (!stop) await handshake();
};
const loops = [loop(), loop()];

const serverDelays = [];
const clientDelays = [];
const firstAfter = (update, side) => handshakes.find((h) => h[side] === update.serial);
await new Promise((r) => setTimeout(r, 200));
for (let i = 0; i < rotations; i++) {
  const before = { server: updates.server.length, client: updates.client.length };
  await api.rotate();
  // Wait for both sources to update and for handshakes presenting both new SVIDs.
  for (;;) {
    await new Promise((r) => setTimeout(r, 5));
    const su = updates.server[before.server];
    const cu = updates.client[before.client];
    if (su === undefined || cu === undefined) continue;
    const sh = firstAfter(su, 'server');
    const ch = firstAfter(cu, 'client');
    if (sh === undefined || ch === undefined) continue;
    serverDelays.push(sh.at - su.at);
    clientDelays.push(ch.at - cu.at);
    break;
  }
  handshakes.length = 0;
  await new Promise((r) => setTimeout(r, 20));
}
stop = true;
await Promise.all(loops);

const ns = summarize(next.server);
const nc = summarize(next.client);
const s = summarize(serverDelays);
const c = summarize(clientDelays);
console.log(`${rotations} rotations per case; times from the source's svid event to the completed handshake presenting the new SVID\n`);
console.log(line('next handshake, server (createTlsServer)', ns));
console.log(line('next handshake, client (spiffeUndiciConnect)', nc));
console.log(line('under load (2 in flight, both rotated), server', s));
console.log(line('under load (2 in flight, both rotated), client', c));
console.log(`failed handshakes: ${failures} (a "next handshake" that presented the old SVID counts as failed)`);
console.log(
  `\nbudget <= ${BUDGET_MS} ms for the next handshake (median; p95 in brackets): server ${fmt(ns.median)} ms (${fmt(ns.p95)}) -> ${verdict(ns.median, BUDGET_MS)}; client ${fmt(nc.median)} ms (${fmt(nc.p95)}) -> ${verdict(nc.median, BUDGET_MS)}`,
);

server.close();
serverSource.close();
clientSource.close();
await api.close();
process.exit(failures === 0 ? 0 : 1);
