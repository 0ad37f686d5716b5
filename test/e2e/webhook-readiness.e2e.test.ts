/**
 * /readyz says ready only once the caches behind the facts are synced. A
 * webhook process is started against the real apiserver through a TCP relay
 * that holds every connection until the test lets it through: until then the
 * process is alive (/healthz) but not ready (/readyz 503 naming the caches it
 * waits for), so a Deployment's readiness probe keeps it out of the Service.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { statePaths } from '../sandbox/config.js';
import { stopProcess, type Supervised } from '../sandbox/process.js';
import { runWebhookProcess, webhookKubeconfigPath } from '../sandbox/webhook.js';
import { eventually, sandboxEnv, sandboxWebhook, webhookRequest } from './helpers.js';

const sandbox = sandboxWebhook();
const port = sandbox.port + 2;
let webhook: Supervised | null = null;
const held: Socket[] = [];
let open = false;
let apiserver = { host: '127.0.0.1', port: 0 };

/** Relays TCP to the apiserver; while closed, accepted connections wait unanswered. */
const relay = createServer((client) => {
  client.on('error', () => undefined);
  if (open) pipeToApiserver(client);
  else { client.pause(); held.push(client); }
});

function pipeToApiserver(client: Socket): void {
  const upstream = connect(apiserver.port, apiserver.host);
  upstream.on('error', () => client.destroy());
  client.pipe(upstream).pipe(client);
  client.resume();
}

after(async () => {
  if (webhook) await stopProcess(webhook, 10_000);
  for (const socket of held) socket.destroy();
  relay.close();
});

test('the webhook is alive but not ready until its caches are synced, then ready', async () => {
  // The webhook's own kubeconfig (its ServiceAccount), with the apiserver reached through the
  // relay (same host, so the apiserver's certificate still matches).
  const kubeconfig = readFileSync(webhookKubeconfigPath(sandbox.cfg), 'utf8');
  const server = /server: https:\/\/([\d.]+):(\d+)/.exec(kubeconfig);
  assert.ok(server?.[1] && server[2], 'no server in the webhook kubeconfig');
  apiserver = { host: server[1], port: Number(server[2]) };
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayed = join(statePaths(sandbox.cfg).certs, 'readiness-test.kubeconfig');
  writeFileSync(relayed, kubeconfig.replace(server[0], `server: https://127.0.0.1:${(relay.address() as AddressInfo).port}`));

  const starting = runWebhookProcess(sandbox.cfg, sandbox.tls, relayed, { port, instance: 'webhook-readiness' });
  starting.catch(() => undefined);
  const notReady = await eventually('the webhook to answer /readyz', async () => {
    const res = await webhookRequest(port, '/readyz').catch(() => null);
    return res && res.status !== 0 ? res : null;
  }, 60_000, 200);
  assert.equal(notReady.status, 503, notReady.body);
  assert.match((JSON.parse(notReady.body) as { reason: string }).reason, /^waiting for caches: .*policies/);
  assert.equal((await webhookRequest(port, '/healthz')).status, 200);
  // Not a passing moment: while the apiserver cannot be read, it stays not ready.
  await sleep(3000);
  assert.equal((await webhookRequest(port, '/readyz')).status, 503);
  assert.ok(held.length > 0, 'the webhook never tried to reach the apiserver');

  open = true;
  for (const client of held.splice(0)) pipeToApiserver(client);
  webhook = await starting;
  const ready = await webhookRequest(port, '/readyz');
  assert.equal(ready.status, 200, ready.body);
  assert.deepEqual(JSON.parse(ready.body), { status: 'ready' });
});
