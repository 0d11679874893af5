import { describe, expect, it } from 'vitest';
import { makeEngine } from './support.js';

const BOT = `route: {receiver: s, group_by: [alertname], group_wait: 1s, group_interval: 10s}
receivers:
- name: s
  slack_configs:
  - app_token: xoxb-secret-token
    app_url: http://slack.invalid/api/chat.postMessage
    channel: C024BE91L
    update_message: true
    send_resolved: true
`;

describe('Slack through the Web API with update_message', () => {
  it('posts once, then edits the same message and threads the timeline; a new episode posts anew', async () => {
    const { engine, transport, at, alert } = makeEngine(BOT);
    engine.receiveAlerts([alert({ alertname: 'Latency', i: '1' })]);
    await at(1000);
    engine.receiveAlerts([alert({ alertname: 'Latency', i: '2' }, { endsAt: 30_000 })]);
    await at(11_000);
    engine.receiveAlerts([alert({ alertname: 'Latency', i: '1' }, { startsAt: 0, endsAt: 15_000 })]);
    await at(40_000);
    const calls = transport.sent.map((s) => ({ url: s.req.url, body: s.req.body as Record<string, unknown> }));
    expect(calls.map((c) => c.url.split('/').pop())).toEqual([
      'chat.postMessage', // first notification
      'chat.update', // new alert added: edit
      'chat.postMessage', // + threaded timeline reply
      'chat.update', // one resolved: edit
      'chat.postMessage', // + reply
      'chat.update', // all resolved: edit
      'chat.postMessage', // + reply
    ]);
    const ts = (calls[0]!.body.ts as string | undefined) ?? undefined;
    expect(ts).toBeUndefined(); // the first post has no ts; Slack assigns it
    const assigned = calls[1]!.body.ts;
    expect(typeof assigned).toBe('string');
    expect(calls[1]!.body.channel).toBe('C024BE91L');
    expect(calls[2]!.body.thread_ts).toBe(assigned);
    expect(calls[3]!.body.ts).toBe(assigned);
    expect(calls[5]!.body.ts).toBe(assigned);
    expect(String(calls[4]!.body.text)).toMatch(/^Some alerts resolved: 1 firing, 1 resolved/);
    expect(String(calls[6]!.body.text)).toMatch(/^Resolved/);
    for (const c of transport.sent) expect(c.req.headers.authorization).toBe('Bearer xoxb-secret-token');
    // A new episode of the same group starts a new message.
    engine.receiveAlerts([alert({ alertname: 'Latency', i: '3' }, { endsAt: 3600_000 })]);
    await at(60_000);
    expect(transport.sent.at(-1)!.req.url.endsWith('chat.postMessage')).toBe(true);
    expect((transport.sent.at(-1)!.req.body as { thread_ts?: string }).thread_ts).toBeUndefined();
  });

  it('Block Kit within Slack limits for a large group', async () => {
    const { engine, transport, at, alert } = makeEngine(BOT);
    engine.receiveAlerts(
      Array.from({ length: 120 }, (_, i) => alert({ alertname: 'Latency', i: String(i), long: 'x'.repeat(4000) }, { endsAt: 3600_000 })),
    );
    await at(1000);
    const body = transport.sent[0]!.req.body as { blocks: { type: string; text?: { text: string } }[] };
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    const header = body.blocks.find((b) => b.type === 'header')!;
    expect(header.text!.text.length).toBeLessThanOrEqual(150);
    for (const b of body.blocks) if (b.type === 'section') expect(b.text!.text.length).toBeLessThanOrEqual(3000);
  });

  it('refuses update_message without a bot token, naming the line', async () => {
    const { parseConfig } = await import('../../src/config/load.js');
    const r = parseConfig(
      `route: {receiver: s}
receivers:
- name: s
  slack_configs:
  - api_url: https://hooks.slack.com/services/T/B/secret
    update_message: true
`,
      'slack.yml',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors[0]!.message).toMatch(/update_message needs app_token/);
      expect(JSON.stringify(r.errors)).not.toContain('secret');
    }
  });
});
