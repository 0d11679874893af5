/**
 * The configuration loader: Alertmanager YAML in, a validated, defaulted, deep-frozen `Config` out, or the
 * complete list of problems, each with the file, line and column of the offending node and a path such as
 * `route.routes[1].group_wait`.
 *
 * Validation walks the YAML node tree rather than a plain object so that every message can point at a
 * line; it keeps going after a problem so that one run reports everything. Scalars are read the way
 * Alertmanager's yaml.v2 reads them: a string field takes the scalar's text as written (`1.0` stays `1.0`,
 * unquoted `yes` stays `yes`), a boolean field accepts YAML 1.1 booleans (`yes`, `on`, …).
 *
 * Secrets (PagerDuty keys, Slack and webhook URLs, passwords, tokens) never appear in messages: a message
 * names the field that is wrong, not its value. YAML syntax messages are reduced to their first line for
 * the same reason (the library would otherwise quote the source line).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { LABEL_NAME_RE } from '../domain/labels.js';
import {
  compileGoRegex,
  MatcherParseError,
  newMatcher,
  parseMatchers,
  type Matcher,
} from '../route/matchers.js';
import { parseTimeInterval, type TimeInterval } from '../route/timeIntervals.js';
import { TemplateError, TemplateSet } from '../notify/template/index.js';
import { parseDuration, parseGoDuration } from './duration.js';
import { scalarText, YamlNodeReader } from './yamlNodes.js';
import type {
  TemplateFile,
  Config,
  GlobalConfig,
  HttpClientConfig,
  InhibitRuleConfig,
  PagerdutyConfig,
  ReceiverConfig,
  RouteConfig,
  SlackConfig,
  WebhookConfig,
} from './types.js';

export interface ConfigError {
  readonly file: string;
  /** 1-based; 0 when the problem is not tied to a position (the file could not be read). */
  readonly line: number;
  readonly column: number;
  /** Where in the configuration, e.g. `route.routes[1].group_wait`; '' for the document itself. */
  readonly path: string;
  readonly message: string;
}

export type ConfigResult = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly errors: ConfigError[] };

/** `file:line:col: path: message` (the path part is left out when empty, the position when unknown). */
export function formatConfigError(e: ConfigError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
  return `${where}: ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

export const DEFAULT_RESOLVE_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_PAGERDUTY_URL = 'https://events.pagerduty.com/v2/enqueue';
export const DEFAULT_GROUP_WAIT_MS = 30_000;
export const DEFAULT_GROUP_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 60 * 60_000;

// ---------------------------------------------------------------------------------------------------------
// What is accepted, and what is known but refused

type Section =
  | 'top'
  | 'global'
  | 'route'
  | 'receiver'
  | 'webhook'
  | 'pagerduty'
  | 'slack'
  | 'http_config'
  | 'basic_auth'
  | 'authorization'
  | 'inhibit_rule'
  | 'time_interval';

const KNOWN: Readonly<Record<Section, readonly string[]>> = {
  top: ['global', 'route', 'receivers', 'inhibit_rules', 'time_intervals', 'mute_time_intervals', 'templates'],
  global: ['resolve_timeout', 'pagerduty_url', 'slack_api_url', 'slack_api_url_file', 'http_config'],
  route: [
    'receiver',
    'group_by',
    'continue',
    'match',
    'match_re',
    'matchers',
    'group_wait',
    'group_interval',
    'repeat_interval',
    'mute_time_intervals',
    'active_time_intervals',
    'routes',
  ],
  receiver: ['name', 'webhook_configs', 'pagerduty_configs', 'slack_configs'],
  webhook: ['url', 'url_file', 'send_resolved', 'max_alerts', 'timeout', 'http_config'],
  pagerduty: [
    'routing_key',
    'routing_key_file',
    'url',
    'send_resolved',
    'client',
    'client_url',
    'severity',
    'class',
    'component',
    'group',
    'source',
    'description',
    'details',
    'http_config',
  ],
  slack: [
    'api_url',
    'api_url_file',
    'app_token',
    'app_token_file',
    'app_url',
    'update_message',
    'channel',
    'send_resolved',
    'title',
    'text',
    'username',
    'http_config',
  ],
  http_config: ['basic_auth', 'authorization', 'bearer_token', 'follow_redirects'],
  basic_auth: ['username', 'password'],
  authorization: ['type', 'credentials'],
  inhibit_rule: [
    'name',
    'source_match',
    'source_match_re',
    'source_matchers',
    'target_match',
    'target_match_re',
    'target_matchers',
    'equal',
  ],
  time_interval: ['name', 'time_intervals'],
};

/** Why a known option is refused: `note` is appended to the generic message, `message` replaces it. */
interface Refusal {
  readonly note?: string;
  readonly message?: string;
}

/**
 * Alertmanager options alertsift does not implement yet. They are refused by name (never ignored: a
 * configuration that relies on them would silently lose notifications). A trailing `*` matches a prefix.
 */
const NOT_SUPPORTED: Readonly<Record<Section, Readonly<Record<string, Refusal | undefined>>>> = {
  top: { tracing: undefined },
  global: {
    'smtp_*': { note: 'email notifications' },
    'opsgenie_*': undefined,
    'wechat_*': undefined,
    'victorops_*': undefined,
    'rocketchat_*': undefined,
    telegram_api_url: undefined,
    webex_api_url: undefined,
    jira_api_url: undefined,
  },
  route: { labels: { note: 'route labels' } },
  receiver: {
    email_configs: { note: 'email notifications' },
    opsgenie_configs: undefined,
    wechat_configs: undefined,
    pushover_configs: undefined,
    victorops_configs: undefined,
    sns_configs: undefined,
    telegram_configs: undefined,
    webex_configs: undefined,
    discord_configs: undefined,
    msteams_configs: undefined,
    msteamsv2_configs: undefined,
    jira_configs: undefined,
    rocketchat_configs: undefined,
    mattermost_configs: undefined,
    incidentio_configs: undefined,
  },
  webhook: {},
  pagerduty: {
    service_key: {
      message: 'service_key is the PagerDuty Events API v1, which alertsift does not support: use routing_key (Events API v2) instead',
    },
    service_key_file: {
      message:
        'service_key_file is the PagerDuty Events API v1, which alertsift does not support: use routing_key_file (Events API v2) instead',
    },
    images: undefined,
    links: undefined,
  },
  slack: {
    color: undefined,
    title_link: undefined,
    pretext: undefined,
    fields: undefined,
    short_fields: undefined,
    footer: undefined,
    fallback: undefined,
    callback_id: undefined,
    icon_emoji: undefined,
    icon_url: undefined,
    image_url: undefined,
    thumb_url: undefined,
    link_names: undefined,
    mrkdwn_in: undefined,
    actions: undefined,
    app_token: undefined,
    app_token_file: undefined,
    app_url: undefined,
    message_text: undefined,
    update_message: undefined,
  },
  http_config: {
    bearer_token_file: undefined,
    oauth2: undefined,
    tls_config: undefined,
    proxy_url: undefined,
    no_proxy: undefined,
    proxy_from_environment: undefined,
    proxy_connect_header: undefined,
    enable_http2: undefined,
    http_headers: undefined,
  },
  basic_auth: { password_file: undefined, username_file: undefined, username_ref: undefined, password_ref: undefined },
  authorization: { credentials_file: undefined, credentials_ref: undefined },
  inhibit_rule: {},
  time_interval: {},
};

function notSupported(section: Section, key: string): string | undefined {
  const table = NOT_SUPPORTED[section];
  for (const [pattern, why] of Object.entries(table)) {
    const hit = pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern;
    if (!hit) continue;
    if (why?.message) return why.message;
    return `"${key}" is not supported by alertsift${why?.note ? ` (${why.note})` : ''}`;
  }
  return undefined;
}

// Go's url.Parse plus Alertmanager's check: http or https, and a host.
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .refine((s) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]/i.test(s), { message: 'missing host' });

function isHttpUrl(s: string): boolean {
  return httpUrl.safeParse(s).success;
}

// YAML 1.1 booleans, which Alertmanager's yaml.v2 accepts for boolean fields.
const YAML11_BOOLS: Readonly<Record<string, boolean>> = {
  y: true,
  Y: true,
  yes: true,
  Yes: true,
  YES: true,
  on: true,
  On: true,
  ON: true,
  true: true,
  True: true,
  TRUE: true,
  n: false,
  N: false,
  no: false,
  No: false,
  NO: false,
  off: false,
  Off: false,
  OFF: false,
  false: false,
  False: false,
  FALSE: false,
};

// ---------------------------------------------------------------------------------------------------------
// Walking YAML nodes

interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  /** null when the key has no value (`key:`). */
  readonly value: Node | null;
  readonly path: string;
}

/** The accepted entries of a mapping, plus the keys that were present but refused as unsupported. */
class Fields extends Map<string, Entry> {
  readonly refused = new Set<string>();
}

interface Ref {
  readonly name: string;
  readonly node: Node;
  readonly path: string;
}

interface ReadOpts {
  /** The value may be a secret: never print it. */
  readonly secret?: boolean;
}

class Loader extends YamlNodeReader {
  /** Alertmanager's default templates plus the files named by `templates:`; templated fields compile against it. */
  templates: TemplateSet = new TemplateSet();
  readonly receiverRefs: Ref[] = [];
  readonly intervalRefs: Ref[] = [];

  constructor(
    file: string,
    lc: LineCounter,
    doc: Document,
    readonly baseDir: string,
  ) {
    super(file, lc, doc);
  }

  line(node: Node | null | undefined): number {
    return this.position(node).line;
  }

  /** The entries of a mapping, merge keys (`<<`) expanded; unknown and unsupported keys are reported. */
  fields(raw: Node | null | undefined, path: string, section: Section, at: Node | null | undefined): Fields | undefined {
    const node = this.deref(raw);
    const out = new Fields();
    if (node === null) return out;
    if (!isMap(node)) {
      this.error(node ?? at, path, `expected a mapping, got ${this.got(node)}`);
      return undefined;
    }
    this.collect(node, path, out, true, 0);
    const known = KNOWN[section];
    for (const [key, e] of out) {
      if (known.includes(key)) continue;
      out.delete(key);
      const refusal = notSupported(section, key);
      if (refusal) out.refused.add(key);
      this.error(e.keyNode, path, refusal ?? `unknown key "${key}"`);
    }
    return out;
  }

  private collect(map: Node, path: string, out: Map<string, Entry>, explicit: boolean, depth: number): void {
    if (!isMap(map) || depth > 10) return;
    const merges: Node[] = [];
    for (const pair of map.items) {
      const keyNode = pair.key as Node;
      const key = this.deref(keyNode);
      if (!isScalar(key) || typeof key.value === 'object') {
        this.error(keyNode, path, 'mapping keys must be strings');
        continue;
      }
      const name = scalarText(key);
      if (name === '<<' && key.type === 'PLAIN') {
        const v = this.deref(pair.value);
        if (isSeq(v)) for (const item of v.items) merges.push(item as Node);
        else if (v) merges.push(v);
        continue;
      }
      // Explicit keys win over merged ones; among merged sources the first wins (YAML merge semantics).
      if (!explicit && out.has(name)) continue;
      out.set(name, {
        key: name,
        keyNode,
        value: (pair.value as Node | null) ?? null,
        path: path ? `${path}.${name}` : name,
      });
    }
    for (const m of merges) {
      const target = this.deref(m);
      if (!isMap(target)) {
        this.error(m, path, `a merge key (<<) must refer to a mapping, got ${this.got(target)}`);
        continue;
      }
      this.collect(target, path, out, false, depth + 1);
    }
  }

  at(e: Entry): Node {
    return this.deref(e.value) ?? e.keyNode;
  }

  /** A string field; null reads as '' (as yaml.v2 leaves a Go string empty). */
  str(e: Entry | undefined, opts: ReadOpts = {}): string | undefined {
    if (!e) return undefined;
    const v = this.deref(e.value);
    if (v === null) return '';
    if (isScalar(v)) return scalarText(v);
    this.error(v, e.path, `expected a string, got ${this.got(v, opts.secret)}`);
    return undefined;
  }

  /**
   * A templated string field (Go text/template, as in Alertmanager): compiled here so that a syntax error
   * or an undefined template is reported with the field's line; absence or emptiness means "not set".
   */
  optTemplate(e: Entry | undefined): string | undefined {
    const s = this.optStr(e);
    if (s === undefined || !e) return s;
    try {
      const t = this.templates.compile(s, e.path);
      for (const name of t.undefinedTemplates()) this.error(this.at(e), e.path, `template "${name}" is not defined`);
    } catch (err) {
      if (err instanceof TemplateError) {
        this.error(this.at(e), e.path, `invalid template: ${err.detail} (template line ${err.line}, column ${err.col})`);
        return undefined;
      }
      throw err;
    }
    return s;
  }

  /** A string field whose absence or emptiness means "not set". */
  optStr(e: Entry | undefined, opts: ReadOpts = {}): string | undefined {
    const s = this.str(e, opts);
    return s === '' ? undefined : s;
  }

  bool(e: Entry | undefined): boolean | undefined {
    if (!e) return undefined;
    const v = this.deref(e.value);
    if (v === null) return undefined;
    if (isScalar(v)) {
      if (typeof v.value === 'boolean') return v.value;
      if (v.type === 'PLAIN' && typeof v.value === 'string') {
        const b = YAML11_BOOLS[v.value];
        if (b !== undefined) return b;
      }
    }
    this.error(v, e.path, `expected true or false, got ${this.got(v)}`);
    return undefined;
  }

  duration(e: Entry | undefined): number | undefined {
    if (!e) return undefined;
    const v = this.deref(e.value);
    if (v === null) return undefined;
    const text = isScalar(v) ? scalarText(v) : undefined;
    const ms = text === undefined ? undefined : parseDuration(text);
    if (ms === undefined) {
      this.error(v, e.path, `expected a duration like 30s, got ${this.got(v)}`);
      return undefined;
    }
    return ms;
  }

  nonNegativeInt(e: Entry | undefined): number | undefined {
    if (!e) return undefined;
    const v = this.deref(e.value);
    if (v === null) return undefined;
    if (isScalar(v) && typeof v.value === 'number' && Number.isSafeInteger(v.value) && v.value >= 0) return v.value;
    this.error(v, e.path, `expected a whole number (0 or more), got ${this.got(v)}`);
    return undefined;
  }

  strList(e: Entry | undefined): { value: string; node: Node; path: string }[] | undefined {
    const items = this.list(e);
    if (!items) return undefined;
    const out: { value: string; node: Node; path: string }[] = [];
    for (const item of items) {
      if (item.node !== null && !isScalar(item.node)) {
        this.error(item.node, item.path, `expected a string, got ${this.got(item.node)}`);
        continue;
      }
      out.push({ value: item.node === null ? '' : scalarText(item.node), node: item.node ?? item.raw, path: item.path });
    }
    return out;
  }

  /** A mapping of strings to strings (e.g. `match`, `details`). */
  strMap(e: Entry | undefined): { key: string; value: string; keyNode: Node; valueNode: Node; path: string }[] | undefined {
    if (!e) return [];
    const v = this.deref(e.value);
    if (v === null) return [];
    if (!isMap(v)) {
      this.error(v, e.path, `expected a mapping of strings, got ${this.got(v)}`);
      return undefined;
    }
    const fields = new Fields();
    this.collect(v, e.path, fields, true, 0);
    const out: { key: string; value: string; keyNode: Node; valueNode: Node; path: string }[] = [];
    for (const f of fields.values()) {
      const value = this.str(f);
      if (value === undefined) continue;
      out.push({ key: f.key, value, keyNode: f.keyNode, valueNode: this.at(f), path: f.path });
    }
    return out;
  }

  /** Reads a `*_file` option: the file's contents, trimmed, relative paths resolved from the config's directory. */
  secretFile(e: Entry): string | undefined {
    const p = this.str(e);
    if (p === undefined) return undefined;
    if (p === '') {
      this.error(this.at(e), e.path, 'expected a file path, got ""');
      return undefined;
    }
    const full = isAbsolute(p) ? p : join(this.baseDir, p);
    let content: string;
    try {
      content = readFileSync(full, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      this.error(this.at(e), e.path, `cannot read file "${full}" (${code})`);
      return undefined;
    }
    const trimmed = content.trim();
    if (trimmed === '') {
      this.error(this.at(e), e.path, `file "${full}" is empty`);
      return undefined;
    }
    return trimmed;
  }
}


// ---------------------------------------------------------------------------------------------------------
// Sections

function readHttpConfig(L: Loader, e: Entry | undefined): HttpClientConfig | undefined {
  if (!e) return undefined;
  const f = L.fields(e.value, e.path, 'http_config', e.keyNode);
  if (!f) return undefined;
  let basicAuth: { username: string; password: string } | undefined;
  const ba = f.get('basic_auth');
  if (ba) {
    const bf = L.fields(ba.value, ba.path, 'basic_auth', ba.keyNode);
    if (bf) {
      basicAuth = {
        username: L.str(bf.get('username')) ?? '',
        password: L.str(bf.get('password'), { secret: true }) ?? '',
      };
    }
  }
  let authorization: { type: string; credentials: string } | undefined;
  const au = f.get('authorization');
  if (au) {
    const af = L.fields(au.value, au.path, 'authorization', au.keyNode);
    if (af) {
      const type = L.optStr(af.get('type')) ?? 'Bearer';
      if (type.toLowerCase() === 'basic') {
        L.error(L.at(af.get('type')!), `${au.path}.type`, 'authorization type cannot be "basic": use basic_auth instead');
      }
      authorization = { type, credentials: L.str(af.get('credentials'), { secret: true }) ?? '' };
    }
  }
  const bt = f.get('bearer_token');
  if (bt) {
    const token = L.str(bt, { secret: true });
    if (authorization) {
      L.error(bt.keyNode, bt.path, 'bearer_token cannot be used together with authorization');
    } else if (token !== undefined) {
      authorization = { type: 'Bearer', credentials: token };
    }
  }
  if (basicAuth && (au || bt)) {
    L.error(ba!.keyNode, e.path, 'at most one of basic_auth, authorization and bearer_token may be configured');
  }
  return {
    ...(basicAuth ? { basicAuth } : {}),
    ...(authorization ? { authorization } : {}),
    followRedirects: L.bool(f.get('follow_redirects')) ?? true,
  };
}

/** A URL that may carry a token: validated, never printed. */
function readSecretUrl(L: Loader, e: Entry | undefined): string | undefined {
  if (!e) return undefined;
  const s = L.str(e, { secret: true });
  if (s === undefined) return undefined;
  if (!isHttpUrl(s)) {
    L.error(L.at(e), e.path, 'expected an http or https URL with a host (the value is not shown: it may contain a secret)');
    return undefined;
  }
  return s;
}

function readUrl(L: Loader, e: Entry | undefined): string | undefined {
  if (!e) return undefined;
  const s = L.str(e);
  if (s === undefined) return undefined;
  if (!isHttpUrl(s)) {
    L.error(L.at(e), e.path, `expected an http or https URL with a host, got ${L.got(L.deref(e.value))}`);
    return undefined;
  }
  return s;
}

/** The value of `key` or the contents of the file named by `key_file`; at most one may be set. */
function secretOrFile(
  L: Loader,
  f: Fields,
  key: string,
  path: string,
  validate: 'url' | 'string',
): { value?: string; missing: boolean } {
  const direct = f.get(key);
  const file = f.get(`${key}_file`);
  if (direct && file) {
    L.error(file.keyNode, path, `at most one of ${key} and ${key}_file may be configured`);
    return { missing: false };
  }
  if (direct) {
    if (validate === 'url') return { value: readSecretUrl(L, direct), missing: false };
    const s = L.str(direct, { secret: true });
    if (s === '') {
      L.error(L.at(direct), direct.path, 'must not be empty');
      return { missing: false };
    }
    return { value: s, missing: false };
  }
  if (file) {
    const content = L.secretFile(file);
    if (content === undefined) return { missing: false };
    if (validate === 'url' && !isHttpUrl(content)) {
      L.error(L.at(file), file.path, 'the file does not contain an http or https URL with a host (the value is not shown)');
      return { missing: false };
    }
    return { value: content, missing: false };
  }
  return { missing: true };
}

function readGlobal(L: Loader, e: Entry | undefined): GlobalConfig {
  const g = (e ? L.fields(e.value, e.path, 'global', e.keyNode) : undefined) ?? new Fields();
  const resolveTimeoutMs = L.duration(g.get('resolve_timeout')) ?? DEFAULT_RESOLVE_TIMEOUT_MS;
  const pagerdutyUrl = readUrl(L, g.get('pagerduty_url')) ?? DEFAULT_PAGERDUTY_URL;
  const slack = secretOrFile(L, g, 'slack_api_url', 'global', 'url');
  const httpConfig = readHttpConfig(L, g.get('http_config'));
  return {
    resolveTimeoutMs,
    pagerdutyUrl,
    ...(slack.value !== undefined ? { slackApiUrl: slack.value } : {}),
    ...(httpConfig ? { httpConfig } : {}),
  };
}

function readTimeIntervals(L: Loader, e: Entry | undefined, into: Map<string, readonly TimeInterval[]>, firstSeen: Map<string, number>): void {
  const items = L.list(e);
  if (!items || !e) return;
  for (const item of items) {
    const f = L.fields(item.node, item.path, 'time_interval', item.raw);
    if (!f) continue;
    const nameEntry = f.get('name');
    const name = L.str(nameEntry);
    if (!nameEntry || name === '') {
      L.error(item.node ?? item.raw, item.path, 'missing required key "name"');
    }
    const intervals: TimeInterval[] = [];
    const list = L.list(f.get('time_intervals'));
    let ok = list !== undefined;
    for (const ti of list ?? []) {
      const js: unknown = ti.node === null ? null : ti.node.toJS(L.doc);
      const res = parseTimeInterval(js, ti.path);
      if (res.ok) {
        intervals.push(res.interval);
        continue;
      }
      ok = false;
      for (const err of res.errors) {
        L.error(nodeAtPath(L, ti.node ?? ti.raw, err.path.slice(ti.path.length)), err.path, err.message);
      }
    }
    if (name === undefined || name === '') continue;
    const seen = firstSeen.get(name);
    if (seen !== undefined) {
      L.error(L.at(nameEntry!), nameEntry!.path, `time interval name "${name}" is not unique (first defined at line ${seen})`);
      continue;
    }
    firstSeen.set(name, L.line(L.at(nameEntry!)));
    if (ok) into.set(name, intervals);
  }
}

/** The node at a relative path like `.weekdays[0]` below `start`, or the deepest node found on the way. */
function nodeAtPath(L: Loader, start: Node, rel: string): Node {
  let node: Node = start;
  const re = /\.([^.[]+)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rel)) !== null) {
    const cur = L.deref(node);
    let next: unknown;
    if (m[1] !== undefined && isMap(cur)) {
      const key = m[1];
      const pair = cur.items.find((p) => isScalar(p.key) && scalarText(p.key) === key);
      next = pair ? (pair.value ?? pair.key) : undefined;
    } else if (m[2] !== undefined && isSeq(cur)) {
      next = cur.items[Number(m[2])];
    }
    if (!next) break;
    node = next as Node;
  }
  return node;
}

function readReceivers(L: Loader, e: Entry | undefined, global: GlobalConfig, names: Map<string, number>): ReceiverConfig[] {
  const items = L.list(e);
  if (!items) return [];
  const out: ReceiverConfig[] = [];
  for (const item of items) {
    const f = L.fields(item.node, item.path, 'receiver', item.raw);
    if (!f) continue;
    const nameEntry = f.get('name');
    const name = L.str(nameEntry);
    if (!nameEntry || name === '') {
      L.error(item.node ?? item.raw, item.path, 'missing required key "name"');
    } else if (name !== undefined) {
      const seen = names.get(name);
      if (seen !== undefined) {
        L.error(L.at(nameEntry), nameEntry.path, `receiver name "${name}" is not unique (first defined at line ${seen})`);
      } else {
        names.set(name, L.line(L.at(nameEntry)));
      }
    }
    const webhookConfigs: WebhookConfig[] = [];
    for (const w of L.list(f.get('webhook_configs')) ?? []) {
      const c = readWebhook(L, w.node, w.raw, w.path, global);
      if (c) webhookConfigs.push(c);
    }
    const pagerdutyConfigs: PagerdutyConfig[] = [];
    for (const p of L.list(f.get('pagerduty_configs')) ?? []) {
      const c = readPagerduty(L, p.node, p.raw, p.path, global);
      if (c) pagerdutyConfigs.push(c);
    }
    const slackConfigs: SlackConfig[] = [];
    for (const s of L.list(f.get('slack_configs')) ?? []) {
      const c = readSlack(L, s.node, s.raw, s.path, global);
      if (c) slackConfigs.push(c);
    }
    out.push({ name: name ?? '', webhookConfigs, pagerdutyConfigs, slackConfigs });
  }
  return out;
}

function readWebhook(L: Loader, node: Node | null, raw: Node, path: string, global: GlobalConfig): WebhookConfig | undefined {
  const f = L.fields(node, path, 'webhook', raw);
  if (!f) return undefined;
  const url = secretOrFile(L, f, 'url', path, 'url');
  if (url.missing) L.error(node ?? raw, path, 'one of url or url_file is required');
  let timeoutMs = 0;
  const t = f.get('timeout');
  if (t) {
    const text = L.str(t);
    const ms = text === undefined ? undefined : parseGoDuration(text);
    if (text !== undefined && (ms === undefined || ms < 0)) {
      L.error(L.at(t), t.path, `expected a duration like 10s, got ${L.got(L.deref(t.value))}`);
    } else if (ms !== undefined) {
      timeoutMs = ms;
    }
  }
  const httpConfig = readHttpConfig(L, f.get('http_config')) ?? global.httpConfig;
  if (url.value === undefined) return undefined;
  return {
    url: url.value,
    sendResolved: L.bool(f.get('send_resolved')) ?? true,
    maxAlerts: L.nonNegativeInt(f.get('max_alerts')) ?? 0,
    timeoutMs,
    ...(httpConfig ? { httpConfig } : {}),
  };
}

function readPagerduty(L: Loader, node: Node | null, raw: Node, path: string, global: GlobalConfig): PagerdutyConfig | undefined {
  const f = L.fields(node, path, 'pagerduty', raw);
  if (!f) return undefined;
  const key = secretOrFile(L, f, 'routing_key', path, 'string');
  // A v1 service_key has already been refused with an explanation; do not pile a second error on it.
  const hadV1Key = f.refused.has('service_key') || f.refused.has('service_key_file');
  if (key.missing && !hadV1Key) L.error(node ?? raw, path, 'one of routing_key or routing_key_file is required');
  const url = readUrl(L, f.get('url')) ?? global.pagerdutyUrl;
  const details: Record<string, string> = {};
  for (const d of L.strMap(f.get('details')) ?? []) {
    details[d.key] = L.optTemplate({ key: d.key, keyNode: d.keyNode, value: d.valueNode, path: d.path }) ?? d.value;
  }
  const client = L.optTemplate(f.get('client')) ?? 'alertsift';
  const httpConfig = readHttpConfig(L, f.get('http_config')) ?? global.httpConfig;
  const opt = (k: string): string | undefined => L.optTemplate(f.get(k));
  const cls = opt('class');
  const component = opt('component');
  const group = opt('group');
  const description = opt('description');
  const sendResolved = L.bool(f.get('send_resolved')) ?? true;
  const clientUrl = L.optTemplate(f.get('client_url')) ?? '';
  const severity = L.optTemplate(f.get('severity')) ?? 'error';
  // Alertmanager defaults the event source to the client name.
  const source = opt('source') ?? client;
  if (key.value === undefined) return undefined;
  return {
    routingKey: key.value,
    url,
    sendResolved,
    client,
    clientUrl,
    severity,
    ...(cls !== undefined ? { class: cls } : {}),
    ...(component !== undefined ? { component } : {}),
    ...(group !== undefined ? { group } : {}),
    source,
    ...(description !== undefined ? { description } : {}),
    details,
    ...(httpConfig ? { httpConfig } : {}),
  };
}

export const DEFAULT_SLACK_APP_URL = 'https://slack.com/api/chat.postMessage';

function readSlack(L: Loader, node: Node | null, raw: Node, path: string, global: GlobalConfig): SlackConfig | undefined {
  const f = L.fields(node, path, 'slack', raw);
  if (!f) return undefined;
  // Two ways to reach Slack, as in Alertmanager: an incoming-webhook URL (api_url; post only), or the
  // Web API with a bot token (app_token; chat.postMessage, and chat.update with update_message).
  const token = secretOrFile(L, f, 'app_token', path, 'string');
  const api = secretOrFile(L, f, 'api_url', path, 'url');
  const appUrlEntry = f.get('app_url');
  const appUrl = appUrlEntry ? readSecretUrl(L, appUrlEntry) : DEFAULT_SLACK_APP_URL;
  const updateMessage = L.bool(f.get('update_message')) ?? false;
  let apiUrl = api.value;
  if (token.value !== undefined) {
    if (!api.missing) L.error(node ?? raw, path, 'set either api_url (incoming webhook) or app_token (Web API bot token), not both');
    apiUrl = appUrl;
  } else if (api.missing) {
    apiUrl = global.slackApiUrl;
    if (apiUrl === undefined) {
      L.error(
        node ?? raw,
        path,
        'no Slack destination: set app_token (bot token), or api_url or api_url_file here, or global.slack_api_url or global.slack_api_url_file',
      );
    }
  }
  if (updateMessage && token.value === undefined) {
    L.error(L.at(f.get('update_message')!), `${path}.update_message`, 'update_message needs app_token: incoming webhooks cannot edit messages');
  }
  const channel = L.optTemplate(f.get('channel'));
  if (token.value !== undefined && channel === undefined) {
    L.error(node ?? raw, path, 'app_token needs channel: the Web API posts to a named channel');
  }
  const title = L.optTemplate(f.get('title'));
  const text = L.optTemplate(f.get('text'));
  const username = L.optTemplate(f.get('username'));
  const sendResolved = L.bool(f.get('send_resolved')) ?? false;
  const httpConfig = readHttpConfig(L, f.get('http_config')) ?? global.httpConfig;
  if (apiUrl === undefined) return undefined;
  return {
    apiUrl,
    ...(token.value !== undefined ? { appToken: token.value } : {}),
    updateMessage,
    ...(channel !== undefined ? { channel } : {}),
    sendResolved,
    ...(title !== undefined ? { title } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(httpConfig ? { httpConfig } : {}),
  };
}

/** `match`, `match_re` and `matchers` of a route or one side of an inhibit rule, in that order. */
function readMatchers(L: Loader, f: Fields, matchKey: string, reKey: string, listKey: string): Matcher[] {
  const out: Matcher[] = [];
  for (const m of L.strMap(f.get(matchKey)) ?? []) {
    if (!LABEL_NAME_RE.test(m.key)) {
      L.error(m.keyNode, f.get(matchKey)!.path, `invalid label name "${m.key}"`);
      continue;
    }
    out.push({ name: m.key, type: '=', value: m.value });
  }
  for (const m of L.strMap(f.get(reKey)) ?? []) {
    if (!LABEL_NAME_RE.test(m.key)) {
      L.error(m.keyNode, f.get(reKey)!.path, `invalid label name "${m.key}"`);
      continue;
    }
    try {
      compileGoRegex(m.value);
    } catch (err) {
      L.error(m.valueNode, m.path, `invalid regular expression ${JSON.stringify(m.value)}: ${(err as Error).message}`);
      continue;
    }
    // Alertmanager builds these matchers from the compiled regexp's String(), i.e. the anchored source,
    // and that text is what appears in route keys.
    out.push(newMatcher('=~', m.key, `^(?:${m.value})$`));
  }
  for (const line of L.strList(f.get(listKey)) ?? []) {
    try {
      out.push(...parseMatchers(line.value));
    } catch (err) {
      if (!(err instanceof MatcherParseError)) throw err;
      L.error(line.node, line.path, err.message);
    }
  }
  return out;
}

function readRoute(L: Loader, node: Node | null, at: Node, path: string, isRoot: boolean): RouteConfig | undefined {
  const f = L.fields(node, path, 'route', at);
  if (!f) return undefined;
  const receiverEntry = f.get('receiver');
  const receiverText = L.str(receiverEntry);
  const receiver = receiverText === '' ? undefined : receiverText;
  if (receiver !== undefined) L.receiverRefs.push({ name: receiver, node: L.at(receiverEntry!), path: receiverEntry!.path });
  // A receiver of the wrong type has been reported already.
  if (isRoot && (!receiverEntry || receiverText === '')) {
    L.error(receiverEntry ? L.at(receiverEntry) : (node ?? at), path, 'the root route must have a receiver');
  }

  let groupBy: string[] | undefined;
  const gbEntry = f.get('group_by');
  const gb = L.strList(gbEntry);
  if (gb && gb.length > 0) {
    const seen = new Set<string>();
    let all = false;
    let named = false;
    for (const item of gb) {
      if (item.value === '...') {
        all = true;
        continue;
      }
      named = true;
      if (!LABEL_NAME_RE.test(item.value)) L.error(item.node, item.path, `invalid label name "${item.value}" in group_by`);
      else if (seen.has(item.value)) L.error(item.node, item.path, `duplicate label "${item.value}" in group_by`);
      seen.add(item.value);
    }
    if (all && named) L.error(L.at(gbEntry!), gbEntry!.path, "'...' (group by all labels) cannot be combined with label names");
    groupBy = all ? ['...'] : [...seen];
  }
  // An empty group_by list is the same as none (Alertmanager keeps a nil list), so it inherits.

  const continueEntry = f.get('continue');
  const cont = L.bool(continueEntry) ?? false;
  if (isRoot && cont) L.error(L.at(continueEntry!), continueEntry!.path, 'the root route cannot have continue');

  const matchers = readMatchers(L, f, 'match', 'match_re', 'matchers');
  if (isRoot && matchers.length > 0) {
    const e = f.get('match') ?? f.get('match_re') ?? f.get('matchers')!;
    L.error(e.keyNode, path, 'the root route must not have matchers: it receives every alert');
  }

  const groupWaitMs = L.duration(f.get('group_wait'));
  const groupIntervalMs = L.duration(f.get('group_interval'));
  const repeatIntervalMs = L.duration(f.get('repeat_interval'));
  for (const [key, v] of [
    ['group_interval', groupIntervalMs],
    ['repeat_interval', repeatIntervalMs],
  ] as const) {
    if (v === 0) {
      const e = f.get(key)!;
      L.error(L.at(e), e.path, 'must be greater than zero');
    }
  }

  const intervals = (key: string): string[] => {
    const e = f.get(key);
    const names: string[] = [];
    for (const item of L.strList(e) ?? []) {
      names.push(item.value);
      L.intervalRefs.push({ name: item.value, node: item.node, path: item.path });
    }
    if (isRoot && names.length > 0) L.error(e!.keyNode, path, `the root route cannot have ${key}`);
    return names;
  };
  const muteTimeIntervals = intervals('mute_time_intervals');
  const activeTimeIntervals = intervals('active_time_intervals');

  const routes: RouteConfig[] = [];
  for (const child of L.list(f.get('routes')) ?? []) {
    const r = readRoute(L, child.node, child.raw, child.path, false);
    if (r) routes.push(r);
  }

  return {
    ...(receiver !== undefined ? { receiver } : {}),
    ...(groupBy !== undefined ? { groupBy } : {}),
    continue: cont,
    matchers,
    ...(groupWaitMs !== undefined || isRoot ? { groupWaitMs: groupWaitMs ?? DEFAULT_GROUP_WAIT_MS } : {}),
    ...(groupIntervalMs !== undefined || isRoot ? { groupIntervalMs: groupIntervalMs ?? DEFAULT_GROUP_INTERVAL_MS } : {}),
    ...(repeatIntervalMs !== undefined || isRoot ? { repeatIntervalMs: repeatIntervalMs ?? DEFAULT_REPEAT_INTERVAL_MS } : {}),
    muteTimeIntervals,
    activeTimeIntervals,
    routes,
    path,
  };
}

function readInhibitRules(L: Loader, e: Entry | undefined): InhibitRuleConfig[] {
  const out: InhibitRuleConfig[] = [];
  for (const item of L.list(e) ?? []) {
    const f = L.fields(item.node, item.path, 'inhibit_rule', item.raw);
    if (!f) continue;
    const name = L.optStr(f.get('name'));
    const sourceMatchers = readMatchers(L, f, 'source_match', 'source_match_re', 'source_matchers');
    const targetMatchers = readMatchers(L, f, 'target_match', 'target_match_re', 'target_matchers');
    const equal: string[] = [];
    for (const l of L.strList(f.get('equal')) ?? []) {
      if (!LABEL_NAME_RE.test(l.value)) L.error(l.node, l.path, `invalid label name "${l.value}" in equal`);
      else equal.push(l.value);
    }
    out.push({ ...(name !== undefined ? { name } : {}), sourceMatchers, targetMatchers, equal, path: item.path });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Entry points

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
}

/** Parses and validates a configuration. `file` is used in messages and to resolve `*_file` paths. */
export function parseConfig(text: string, file: string): ConfigResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const L = new Loader(file, lc, doc, dirname(file));

  const fatal = L.reportParseErrors(text, firstLine);
  for (const w of doc.warnings) {
    L.errorAt(w.pos[0], '', `YAML: ${firstLine(w.message)}`);
  }
  // After a syntax error the tree is a guess; validating it would mostly report noise.
  if (fatal) return { ok: false, errors: sortErrors(L.errors) };

  const root = L.deref(doc.contents);
  if (root === null) {
    L.errorAt(0, '', 'the configuration is empty: a route and receivers are required');
    return { ok: false, errors: sortErrors(L.errors) };
  }
  const top = L.fields(root, '', 'top', root);
  if (!top) return { ok: false, errors: sortErrors(L.errors) };

  const global = readGlobal(L, top.get('global'));
  const templateFiles = readTemplateFiles(L, top.get('templates'));

  const timeIntervals = new Map<string, readonly TimeInterval[]>();
  const intervalLines = new Map<string, number>();
  readTimeIntervals(L, top.get('mute_time_intervals'), timeIntervals, intervalLines);
  readTimeIntervals(L, top.get('time_intervals'), timeIntervals, intervalLines);

  const receiverLines = new Map<string, number>();
  const receivers = readReceivers(L, top.get('receivers'), global, receiverLines);

  const routeEntry = top.get('route');
  let route: RouteConfig | undefined;
  if (!routeEntry || L.deref(routeEntry.value) === null) {
    if (routeEntry) L.error(routeEntry.keyNode, 'route', 'the root route is empty: it must have a receiver');
    else L.error(root, '', 'missing required key "route"');
  } else {
    route = readRoute(L, routeEntry.value, routeEntry.keyNode, 'route', true);
  }

  const inhibitRules = readInhibitRules(L, top.get('inhibit_rules'));

  for (const ref of L.receiverRefs) {
    if (!receiverLines.has(ref.name)) L.error(ref.node, ref.path, `undefined receiver "${ref.name}"`);
  }
  for (const ref of L.intervalRefs) {
    if (!intervalLines.has(ref.name)) L.error(ref.node, ref.path, `undefined time interval "${ref.name}"`);
  }

  if (L.errors.length > 0 || !route) return { ok: false, errors: sortErrors(L.errors) };
  const config: Config = { file, global, route, receivers, inhibitRules, timeIntervals, templateFiles };
  return { ok: true, config: deepFreeze(config) };
}

/**
 * `templates:`: files of `{{ define }}` blocks, as in Alertmanager. Each entry is a path, relative to the
 * configuration's folder, whose last segment may hold `*` and `?` wildcards. Files are read and parsed
 * here, once; a syntax error is reported with the file and line inside it.
 */
function readTemplateFiles(L: Loader, e: Entry | undefined): TemplateFile[] {
  const out: TemplateFile[] = [];
  if (!e) return out;
  const list = L.strList(e);
  if (!list) return out;
  for (const item of list) {
    const pattern = item.value;
    const full = isAbsolute(pattern) ? pattern : join(L.baseDir, pattern);
    const dir = dirname(full);
    const last = basename(full);
    let files: string[];
    if (/[*?]/.test(dir)) {
      L.error(item.node, item.path, 'wildcards are supported in the file name only, not in folders');
      continue;
    }
    if (/[*?]/.test(last)) {
      const re = new RegExp('^' + last.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
      // Like Alertmanager's filepath.Glob: a pattern that matches nothing (even in a missing folder) is
      // not an error; shared configurations often name an optional template folder.
      try {
        files = readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
      } catch {
        files = [];
      }
    } else {
      files = [full];
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        L.error(item.node, item.path, `cannot read template file "${file}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        continue;
      }
      try {
        L.templates.add(text, file);
        out.push({ file, text });
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        L.error(item.node, item.path, `${file}:${err.line}:${err.col}: ${err.detail}`);
      }
    }
  }
  return out;
}

/** Reads and parses a configuration file; an unreadable file is reported as a ConfigError too. */
export function loadConfigFile(path: string): ConfigResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : (e.code ?? e.message);
    return { ok: false, errors: [{ file: path, line: 0, column: 0, path: '', message: `cannot read configuration file: ${why}` }] };
  }
  return parseConfig(text, path);
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.line - b.e.line || a.e.column - b.e.column || a.i - b.i)
    .map((x) => x.e);
}

const readOnlyMap = (): never => {
  throw new TypeError('the configuration is frozen');
};

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k);
      deepFreeze(v);
    }
    // Object.freeze does not stop Map mutation; shadow the mutators on this instance.
    for (const m of ['set', 'delete', 'clear']) Object.defineProperty(value, m, { value: readOnlyMap });
    return Object.freeze(value);
  }
  for (const v of Object.values(value as object)) deepFreeze(v);
  return Object.freeze(value);
}
