/**
 * The HTTP doors: Alertmanager's API v2 (the subset alertsift implements), the Alertmanager webhook
 * target, health, reload and metrics. The server only parses, counts and translates; every decision is
 * the engine's, reached through `EnginePort`.
 *
 * Response bodies follow Alertmanager, because its clients (amtool, Grafana, Prometheus) read them:
 * - errors found by a handler (invalid alerts, a bad `filter=`, a rejected silence) are a JSON *string*,
 *   the OpenAPI `BadRequest`/`InternalServerError` schema (`"alerts[1]: at least one label pair
 *   required"`), several problems joined with `; ` like Alertmanager's `MultiError`;
 * - errors found before the handler (malformed JSON, wrong media type, body too large, unknown path) are
 *   go-openapi's `{"code": 400, "message": "…"}` object;
 * - `POST /api/v2/alerts` and the webhook door answer 200 with an empty body when every alert was valid,
 *   400 when some were not (the valid ones are still taken: best effort, as in Alertmanager), 500 when
 *   the engine fails. 4xx tells an upstream Alertmanager not to retry; 5xx makes it retry.
 *
 * Only `application/json` bodies are accepted (go-openapi's `consumes`); anything else is 415, including a
 * body sent without a Content-Type. An empty body is passed on as "no body", so a client that sends
 * `Content-Type: application/json` on a bodiless DELETE is not refused.
 *
 * Every response is counted in `alertsift_http_requests_total{handler,code}` and every client error in
 * `alertsift_http_request_bad_total{handler,reason}`, both from one `onResponse` hook, so no error path
 * can forget to count. `handler` is the method and route pattern (`DELETE /api/v2/silence/:silenceID`), or
 * `unmatched`.
 *
 * The webhook door is `POST /api/v1/alertmanager-webhook` (only that path: one name per door keeps
 * dashboards and docs unambiguous).
 */
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { AlertSource } from '../../domain/alert.js';
import type { BadRequestReason, EngineMetrics } from '../../engine/metrics.js';
import type { AlertQuery, EnginePort } from '../../engine/port.js';
import { normalizeAlertmanagerWebhook } from '../../normalize/alertmanagerWebhook.js';
import { normalizeApiV2Alerts, type NormalizeContext, type NormalizeResult } from '../../normalize/apiV2Alerts.js';
import { normalizeChanges } from '../../normalize/change.js';
import { normalizeSignals } from '../../normalize/signal.js';
import { parsePostableSilence } from '../../normalize/silence.js';
import { compileGoRegex, parseMatcher, type Matcher } from '../../route/matchers.js';

export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
export const WEBHOOK_PATH = '/api/v1/alertmanager-webhook';
export const SIGNALS_PATH = '/api/v1/signals';
export const CHANGES_PATH = '/api/v1/changes';

export interface ServerOptions {
  engine: EnginePort;
  metrics: EngineMetrics;
  logger?: Logger;
  /** Largest accepted request body; larger ones are answered 413. Default 4 MiB. */
  bodyLimitBytes?: number;
  /** `GET /-/ready` answers 200 while this is true, 503 otherwise. Default: always ready. */
  readiness?: () => boolean;
  /**
   * Distributed mode: called with the original body instead of handing the valid alerts to the engine
   * (`KafkaForwarder.forward` produces it to the raw-alerts topic). The door answers only after it
   * resolves; a rejection is a 500, so the sender retries.
   */
  forward?: IntakeForward;
}

/** See `ServerOptions.forward`. `validation`: what the door's normalizer rejected (`NormalizeResult` fits). */
export type IntakeForward = (door: ForwardDoor, body: unknown, validation: { invalid: number; errors: readonly string[] }) => Promise<void>;
export type ForwardDoor = 'api' | 'webhook' | 'signals' | 'changes';

type Query = Record<string, string | string[] | undefined>;

const MALFORMED_JSON = 'ALERTSIFT_MALFORMED_JSON';

/** go-openapi's error body for failures before the handler. */
interface CodeMessage {
  code: number;
  message: string;
}

export function buildServer(opts: ServerOptions): FastifyInstance {
  const { engine, metrics } = opts;
  const bodyLimit = opts.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const readiness = opts.readiness ?? (() => true);

  const app = (
    opts.logger
      ? Fastify({ loggerInstance: opts.logger, bodyLimit, logController: new LogController({ disableRequestLogging: true }) })
      : Fastify({ logger: false, bodyLimit })
  ) as unknown as FastifyInstance;

  // Why a request was a client error, read by the onResponse hook. A WeakMap rather than a request
  // decoration, so no global type augmentation leaks into other modules.
  const badReasons = new WeakMap<FastifyRequest, BadRequestReason>();
  const markBad = (request: FastifyRequest, reason: BadRequestReason): void => {
    if (!badReasons.has(request)) badReasons.set(request, reason);
  };

  // Only JSON. Fastify's own JSON parser refuses `__proto__` keys, which are valid label names, and
  // hides the parse error; this one reports where the JSON broke.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (e) {
      const err = new Error(`body is not valid JSON: ${(e as Error).message}`) as FastifyError;
      err.statusCode = 400;
      (err as { code: string }).code = MALFORMED_JSON;
      done(err, undefined);
    }
  });

  app.addHook('onRequest', (request, reply, done) => {
    // Alertmanager's API responses are never cacheable (api/v2/api.go setResponseHeaders).
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    // Method and pattern: GET and POST /api/v2/alerts are different handlers. Both come from the route
    // table, never from the raw URL, so the label stays bounded.
    const url = request.routeOptions.url;
    const handler = url === undefined ? 'unmatched' : `${request.method} ${url}`;
    metrics.recordHttpRequest(handler, reply.statusCode);
    const reason = badReasons.get(request);
    if (reason !== undefined) metrics.recordBadRequest(handler, reason);
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, reason, message } = classifyError(error, request, bodyLimit);
    if (reason) {
      markBad(request, reason);
      request.log.warn({ reason, path: request.url }, message);
    } else {
      request.log.error({ err: error, path: request.url }, 'request failed');
    }
    const body: CodeMessage = { code: status, message };
    return reply.code(status).type('application/json').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    markBad(request, 'not_found');
    const body: CodeMessage = { code: 404, message: `path ${request.url.split('?')[0]} was not found` };
    return reply.code(404).type('application/json').send(body);
  });

  const normalizeContext = (source: AlertSource): NormalizeContext => ({
    now: engine.now(),
    resolveTimeoutMs: engine.resolveTimeoutMs(),
    source,
  });

  /** The shared tail of both alert doors: count, hand over the valid alerts, answer. */
  const receive = async (request: FastifyRequest, reply: FastifyReply, door: AlertSource & ForwardDoor, result: NormalizeResult) => {
    metrics.recordAlertsReceived(door, result.alerts.length + result.invalid, result.invalid);
    if (result.alerts.length > 0) {
      try {
        if (opts.forward) await opts.forward(door, request.body, result);
        else engine.receiveAlerts(result.alerts);
      } catch (e) {
        request.log.error({ err: e, door }, 'failed to store alerts');
        return sendApiError(reply, 500, e instanceof Error ? e.message : String(e));
      }
    }
    if (result.errors.length > 0) {
      markBad(request, 'invalid_body');
      const message = result.errors.join('; ');
      request.log.warn({ door, valid: result.alerts.length, invalid: result.invalid }, `rejected alerts: ${message}`);
      return sendApiError(reply, 400, message);
    }
    return reply.code(200).send();
  };

  // ---- alerts ----

  app.post('/api/v2/alerts', async (request, reply) =>
    receive(request, reply, 'api', normalizeApiV2Alerts(request.body, normalizeContext('api'))),
  );

  app.post(WEBHOOK_PATH, async (request, reply) =>
    receive(request, reply, 'webhook', normalizeAlertmanagerWebhook(request.body, normalizeContext('webhook'))),
  );

  app.get<{ Querystring: Query }>('/api/v2/alerts', async (request, reply) => {
    const q = parseAlertQuery(request.query);
    if (!q.ok) {
      markBad(request, 'invalid_query');
      return sendApiError(reply, 400, q.error);
    }
    return reply.send(engine.listAlerts(q.query));
  });

  app.get<{ Querystring: Query }>('/api/v2/alerts/groups', async (request, reply) => {
    const q = parseAlertQuery(request.query);
    if (!q.ok) {
      markBad(request, 'invalid_query');
      return sendApiError(reply, 400, q.error);
    }
    return reply.send(engine.listGroups(q.query));
  });

  // ---- model signals, change events, incidents (alertsift's own) ----

  // Best effort like the alert doors: valid signals are taken, the invalid ones listed in a 400.
  app.post(SIGNALS_PATH, async (request, reply) => {
    const result = normalizeSignals(request.body, normalizeContext('signal'));
    for (const sig of result.signals) metrics.signalsReceived.inc({ kind: sig.kind, status: sig.status });
    if (result.invalid > 0) metrics.signalsInvalid.inc(result.invalid);
    let refused: string[] = [];
    try {
      if (opts.forward) {
        if (result.signals.length + result.sliEvents.length > 0) await opts.forward('signals', request.body, result);
      } else if (engine.receiveSignals) refused = engine.receiveSignals(result);
      else if (result.alerts.length > 0) engine.receiveAlerts(result.alerts);
    } catch (e) {
      request.log.error({ err: e, door: 'signal' }, 'failed to store signals');
      return sendApiError(reply, 500, e instanceof Error ? e.message : String(e));
    }
    if (result.sliEvents.length > 0) metrics.sliEvents.inc({ result: 'accepted' }, result.sliEvents.length - refused.length);
    if (refused.length > 0) metrics.sliEvents.inc({ result: 'refused' }, refused.length);
    const problems = [...result.errors, ...refused];
    if (problems.length > 0) {
      markBad(request, 'invalid_body');
      return sendApiError(reply, 400, problems.join('; '));
    }
    return reply.code(200).send({ accepted: result.signals.length + result.sliEvents.length, withheld: result.withheld });
  });

  app.post(CHANGES_PATH, async (request, reply) => {
    const result = normalizeChanges(request.body, engine.now());
    for (const c of result.changes) metrics.changesReceived.inc({ kind: c.kind });
    if (result.invalid > 0) metrics.changesInvalid.inc(result.invalid);
    if (result.changes.length > 0) {
      try {
        if (opts.forward) await opts.forward('changes', request.body, result);
        else engine.receiveChanges?.(result.changes);
      } catch (e) {
        request.log.error({ err: e, door: 'changes' }, 'failed to store changes');
        return sendApiError(reply, 500, e instanceof Error ? e.message : String(e));
      }
    }
    if (result.errors.length > 0) {
      markBad(request, 'invalid_body');
      return sendApiError(reply, 400, result.errors.join('; '));
    }
    return reply.code(200).send({ accepted: result.changes.length, ids: result.changes.map((c) => c.id) });
  });

  const correlationOff = (reply: FastifyReply) =>
    reply.code(404).send({ code: 404, message: 'correlation is off: start alertsift with --rules <dir> to get incidents' });

  app.get<{ Querystring: Query }>('/api/v1/incidents', async (request, reply) => {
    const status = request.query.status;
    if (status !== undefined && status !== 'open' && status !== 'resolved') {
      markBad(request, 'invalid_query');
      return sendApiError(reply, 400, 'status must be open or resolved');
    }
    const list = engine.listIncidents?.(status);
    if (list === undefined) return correlationOff(reply);
    return reply.send(list);
  });

  app.get<{ Params: { id: string } }>('/api/v1/incidents/:id', async (request, reply) => {
    const incident = engine.getIncident?.(request.params.id);
    if (incident) return reply.send(incident);
    if (engine.listSuppressions?.() === undefined) return correlationOff(reply);
    return reply.code(404).send({ code: 404, message: `incident ${request.params.id} not found` });
  });

  app.get('/api/v1/slos', async (_request, reply) => {
    const list = engine.listSlos?.();
    if (list === undefined) return reply.code(404).send({ code: 404, message: 'no SLOs are configured: put SLO specifications in <rules>/slos/ (docs/budgets.md)' });
    return reply.send(list);
  });

  app.get('/api/v1/suppressions', async (_request, reply) => {
    const list = engine.listSuppressions?.();
    if (list === undefined) return correlationOff(reply);
    return reply.send(list);
  });

  // ---- silences ----

  app.post('/api/v2/silences', async (request, reply) => {
    const parsed = parsePostableSilence(request.body, { now: engine.now() });
    if (!parsed.ok) {
      markBad(request, 'invalid_body');
      return sendApiError(reply, 400, parsed.errors.join('; '));
    }
    const r = engine.upsertSilence(parsed.silence);
    if (!r.ok) {
      if (r.notFound) return sendApiError(reply, 404, r.error);
      markBad(request, 'invalid_body');
      return sendApiError(reply, 400, r.error);
    }
    return reply.send({ silenceID: r.id });
  });

  app.get<{ Querystring: Query }>('/api/v2/silences', async (request, reply) => {
    const filter = parseFilter(request.query['filter']);
    if (!filter.ok) {
      markBad(request, 'invalid_query');
      return sendApiError(reply, 400, filter.error);
    }
    return reply.send(engine.listSilences(filter.matchers));
  });

  app.get<{ Params: { silenceID: string } }>('/api/v2/silence/:silenceID', async (request, reply) => {
    const s = engine.getSilence(request.params.silenceID);
    // Alertmanager's 404 here has no body.
    if (!s) return reply.code(404).send();
    return reply.send(s);
  });

  app.delete<{ Params: { silenceID: string } }>('/api/v2/silence/:silenceID', async (request, reply) => {
    const r = engine.expireSilence(request.params.silenceID);
    if (r.ok) return reply.code(200).send();
    if (r.notFound) return reply.code(404).send();
    // Alertmanager answers any other expiry failure (an already expired silence, in versions that refuse
    // it) with 500 and the error text.
    return sendApiError(reply, 500, r.error);
  });

  // ---- status, health, reload, metrics ----

  app.get('/api/v2/status', async (_request, reply) => reply.send(engine.status()));

  // alertsift's own: what was delivered where, every attempt and outcome (secrets never included).
  app.get<{ Querystring: Query }>('/api/v1/notifications', async (request, reply) => {
    const raw = request.query.limit;
    const limit = raw === undefined ? 100 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      markBad(request, 'invalid_query');
      return sendApiError(reply, 400, 'limit must be an integer from 1 to 1000');
    }
    const records = engine.recentDeliveries?.(limit) ?? [];
    return reply.send(records.map((r) => ({ ...r, at: new Date(r.at).toISOString() })));
  });

  app.get('/-/healthy', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));

  app.get('/-/ready', async (_request, reply) =>
    readiness()
      ? reply.type('text/plain; charset=utf-8').send('OK')
      : reply.code(503).type('text/plain; charset=utf-8').send('Service Unavailable'),
  );

  app.post('/-/reload', async (request, reply) => {
    const r = await engine.reload();
    if (r.ok) return reply.code(200).send();
    request.log.error({ errors: r.errors }, 'reload failed');
    // Alertmanager's wording and plain-text body (ui/web.go reload handler).
    return reply.code(500).type('text/plain; charset=utf-8').send(`failed to reload config: ${r.errors.join('; ')}\n`);
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.exposition()));

  return app;
}

/** Alertmanager's handler-level error body: the message as a JSON string. */
function sendApiError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(message));
}

function classifyError(
  error: FastifyError,
  request: FastifyRequest,
  bodyLimit: number,
): { status: number; reason: BadRequestReason | undefined; message: string } {
  switch (error.code) {
    case MALFORMED_JSON:
      return { status: 400, reason: 'malformed_json', message: error.message };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      const ct = request.headers['content-type'] ?? '';
      return {
        status: 415,
        reason: 'unsupported_media_type',
        message: `unsupported media type ${JSON.stringify(ct)}, only [application/json] are allowed`,
      };
    }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, reason: 'too_large', message: `request body is larger than the limit of ${bodyLimit} bytes` };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, reason: 'invalid_body', message: 'request body size did not match Content-Length' };
    default: {
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) return { status, reason: 'other', message: error.message };
      return { status: 500, reason: undefined, message: 'internal server error' };
    }
  }
}

// ---- query parameters ----

// go-openapi's boolean parsing (swag.ConvertBool) takes these as true and everything else as false; we
// refuse what is in neither list instead of reading a typo as false.
const TRUE_WORDS = new Set(['true', 'yes', '1', 'y', 'on', 'selected', 'checked', 't', 'enabled']);
const FALSE_WORDS = new Set(['false', 'no', '0', 'n', 'off', 'f', 'disabled']);

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function parseBool(query: Query, name: string): boolean | string {
  const raw = first(query[name]);
  if (raw === undefined || raw === '') return true; // every filter flag defaults to true
  const lower = raw.toLowerCase();
  if (TRUE_WORDS.has(lower)) return true;
  if (FALSE_WORDS.has(lower)) return false;
  return `${name} in query must be of type boolean: ${JSON.stringify(raw)}`;
}

/** `filter=` parameters, one matcher each (Alertmanager's `compat.Matcher`). */
export function parseFilter(raw: string | string[] | undefined): { ok: true; matchers: Matcher[] } | { ok: false; error: string } {
  const texts = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const matchers: Matcher[] = [];
  for (const text of texts) {
    try {
      matchers.push(parseMatcher(text));
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
  return { ok: true, matchers };
}

export function parseAlertQuery(query: Query): { ok: true; query: AlertQuery } | { ok: false; error: string } {
  const flags: Record<'active' | 'silenced' | 'inhibited' | 'unprocessed', boolean> = {
    active: true,
    silenced: true,
    inhibited: true,
    unprocessed: true,
  };
  for (const name of ['active', 'silenced', 'inhibited', 'unprocessed'] as const) {
    const v = parseBool(query, name);
    if (typeof v === 'string') return { ok: false, error: v };
    flags[name] = v;
  }
  const filter = parseFilter(query['filter']);
  if (!filter.ok) return filter;
  const result: AlertQuery = { filter: filter.matchers, ...flags };
  const receiver = first(query['receiver']);
  if (receiver !== undefined) {
    try {
      // Anchored `^(?:…)$` and in Go syntax, as Alertmanager compiles it.
      return { ok: true, query: { ...result, receiver: compileGoRegex(receiver) } };
    } catch (e) {
      return { ok: false, error: `failed to parse receiver param: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  return { ok: true, query: result };
}
