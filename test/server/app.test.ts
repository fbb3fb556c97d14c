import t from 'tap';
import { buildApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/log.js';
import { BridgeMetrics } from '../../src/metrics.js';

t.test('health, readiness, metrics and errors without stack traces', async (t) => {
  const metrics = new BridgeMetrics({ defaultMetrics: false });
  let ready = true;
  const app = await buildApp({
    logger: silentLogger(),
    metrics,
    readiness: () => ({ ready, accounts: [] }),
    plugins: [
      (app) => {
        app.get('/boom', async () => {
          throw new Error('secret internal detail at /srv/ewsdav/src/x.ts:12');
        });
      },
    ],
  });
  t.teardown(() => app.close());
  t.equal((await app.inject('/healthz')).statusCode, 200);
  t.equal((await app.inject('/readyz')).statusCode, 200);
  ready = false;
  const notReady = await app.inject('/readyz');
  t.equal(notReady.statusCode, 503);
  t.same(notReady.json(), { ready: false, accounts: [] });
  const boom = await app.inject('/boom');
  t.equal(boom.statusCode, 500);
  t.notMatch(boom.body, /secret|\/srv|\.ts/);
  t.equal((await app.inject('/nope')).statusCode, 404);
  const scraped = await app.inject('/metrics');
  t.equal(scraped.statusCode, 200);
  t.match(scraped.body, /ewsdav_http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} 1/);
});

t.test('metrics can require a token', async (t) => {
  const app = await buildApp({ logger: silentLogger(), metrics: new BridgeMetrics({ defaultMetrics: false }), metricsAccess: { token: 'tok' } });
  t.teardown(() => app.close());
  t.equal((await app.inject('/metrics')).statusCode, 401);
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer tok' } })).statusCode, 200);
});

t.test('public base: configured URL, trusted forwarded headers, untrusted ignored, prefix stripped', async (t) => {
  const echo = (app: import('fastify').FastifyInstance, ctx: import('../../src/server/app.js').AppContext) => {
    app.get('/where', async (request) => ctx.publicBase(request));
  };
  const configured = await buildApp({ logger: silentLogger(), publicUrl: 'https://cal.example.org/cal', plugins: [echo] });
  t.teardown(() => configured.close());
  t.same((await configured.inject('/where')).json(), { origin: 'https://cal.example.org', prefix: '/cal/' });
  t.same((await configured.inject('/cal/where')).json(), { origin: 'https://cal.example.org', prefix: '/cal/' }, 'unstripped proxy path works');

  const proxied = await buildApp({ logger: silentLogger(), trustProxy: ['127.0.0.1'], plugins: [echo] });
  t.teardown(() => proxied.close());
  const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'cal.example.org', 'x-forwarded-prefix': '/cal' };
  t.same((await proxied.inject({ url: '/where', headers, remoteAddress: '127.0.0.1' })).json(), { origin: 'https://cal.example.org', prefix: '/cal/' });
  const untrusted = (await proxied.inject({ url: '/where', headers: { ...headers, host: 'bridge.local' }, remoteAddress: '10.9.9.9' })).json();
  t.same(untrusted, { origin: 'http://bridge.local', prefix: '/' }, 'forwarded headers from an untrusted peer are ignored');

  const named = await buildApp({ logger: silentLogger(), trustProxy: ['loopback'], plugins: [echo] });
  t.teardown(() => named.close());
  t.same((await named.inject({ url: '/where', headers, remoteAddress: '::1' })).json(), { origin: 'https://cal.example.org', prefix: '/cal/' }, 'named range "loopback"');
});
