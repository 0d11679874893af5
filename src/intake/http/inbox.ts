/**
 * The inbox: a receiver that needs nothing installed. `POST /-/inbox` accepts any notification body
 * (an Alertmanager webhook, a PagerDuty event, a Slack message) and keeps the most recent ones in a
 * bounded ring; `GET /-/inbox` lists them, newest last. The example configuration points its receiver
 * here so a newcomer can watch alertsift's output without a PagerDuty account or a webhook service.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export const INBOX_PATH = '/-/inbox';

export interface InboxEntry {
  receivedAt: string;
  body: unknown;
}

export function registerInbox(app: FastifyInstance, capacity = 100, logger?: Logger): void {
  const entries: InboxEntry[] = [];
  app.post(INBOX_PATH, async (request, reply) => {
    entries.push({ receivedAt: new Date().toISOString(), body: request.body });
    if (entries.length > capacity) entries.splice(0, entries.length - capacity);
    const b = request.body as { status?: string; groupKey?: string; alerts?: unknown[] } | undefined;
    logger?.info(
      { status: b?.status, groupKey: b?.groupKey, alerts: Array.isArray(b?.alerts) ? b.alerts.length : undefined },
      'inbox received a notification',
    );
    return reply.code(200).send();
  });
  app.get(INBOX_PATH, async (_request, reply) => reply.send(entries));
}
