/**
 * The configuration as `/api/v2/status` shows it: secrets replaced by `<secret>`, as Alertmanager does
 * for its Secret and SecretURL fields (routing keys, tokens, passwords, and every notification URL,
 * which for Slack and webhooks carries the credential in its path).
 */
import { isMap, isPair, isScalar, parseDocument, visit } from 'yaml';

const SECRET_KEYS = new Set([
  'routing_key',
  'service_key',
  'api_url',
  'slack_api_url',
  'app_token',
  'url',
  'password',
  'credentials',
  'bearer_token',
]);

export function redactConfigText(text: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return '<unreadable configuration>';
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !SECRET_KEYS.has(String(pair.key.value))) return;
      if (isScalar(pair.value)) pair.value.value = '<secret>';
      else if (pair.value !== null && !isMap(pair.value)) pair.value = doc.createNode('<secret>');
      return undefined;
    },
  });
  return doc.toString();
}
