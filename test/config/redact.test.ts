import { describe, expect, it } from 'vitest';
import { redactConfigText } from '../../src/config/redact.js';

describe('redactConfigText', () => {
  it('masks every secret field and keeps the rest, comments included', () => {
    const text = `# team config
global:
  slack_api_url: https://hooks.slack.com/services/T/B/S3CRET
route: {receiver: r, group_wait: 10s}
receivers:
- name: r
  webhook_configs: [{url: 'http://hook/path?token=S3CRET', send_resolved: true}]
  pagerduty_configs:
  - routing_key: S3CRETS3CRETS3CRETS3CRETS3CRET12
    http_config: {basic_auth: {username: u, password: S3CRET}, authorization: {credentials: S3CRET}}
`;
    const out = redactConfigText(text);
    expect(out).not.toContain('S3CRET');
    expect(out).toContain('# team config');
    expect(out).toContain('group_wait: 10s');
    expect(out).toContain('username: u');
    expect(out.match(/<secret>/g)?.length).toBe(5);
  });
});
