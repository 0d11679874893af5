/**
 * The validated, frozen configuration. `src/config/load.ts` is the only producer: it parses the YAML,
 * validates every key (reporting every problem with file, line and path), applies Alertmanager's
 * defaults and inheritance-free defaults, and deep-freezes the result. Durations are milliseconds.
 */
import type { Matcher } from '../route/matchers.js';
import type { TimeInterval } from '../route/timeIntervals.js';

export interface Config {
  /** Path of the file this was loaded from (for messages and reload). */
  readonly file: string;
  readonly global: GlobalConfig;
  readonly route: RouteConfig;
  readonly receivers: readonly ReceiverConfig[];
  readonly inhibitRules: readonly InhibitRuleConfig[];
  /** Named time intervals, from `time_intervals` and the legacy `mute_time_intervals`. */
  readonly timeIntervals: ReadonlyMap<string, readonly TimeInterval[]>;
  /** The files named by `templates:`, read once at load; their `define` blocks extend the defaults. */
  readonly templateFiles: readonly TemplateFile[];
}

export interface TemplateFile {
  readonly file: string;
  readonly text: string;
}

export interface GlobalConfig {
  /** `global.resolve_timeout`, default 5m. */
  readonly resolveTimeoutMs: number;
  /** `global.pagerduty_url`, default `https://events.pagerduty.com/v2/enqueue`. */
  readonly pagerdutyUrl: string;
  /** `global.slack_api_url` (or the contents of `slack_api_url_file`), if set. */
  readonly slackApiUrl?: string;
  readonly httpConfig?: HttpClientConfig;
}

/**
 * One node of the routing tree as written, with Alertmanager's defaults applied to the root only.
 * Children leave unset fields undefined; the route compiler resolves inheritance.
 */
export interface RouteConfig {
  readonly receiver?: string;
  /** Label names, or undefined when unset (inherit). `['...']` means group by all labels. */
  readonly groupBy?: readonly string[];
  readonly continue: boolean;
  /** `match`, `match_re` and `matchers` merged, in that order. */
  readonly matchers: readonly Matcher[];
  readonly groupWaitMs?: number;
  readonly groupIntervalMs?: number;
  readonly repeatIntervalMs?: number;
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  readonly routes: readonly RouteConfig[];
  /** Where the node sits in the file, for messages: e.g. `route.routes[1]`. */
  readonly path: string;
}

export interface ReceiverConfig {
  readonly name: string;
  readonly webhookConfigs: readonly WebhookConfig[];
  readonly pagerdutyConfigs: readonly PagerdutyConfig[];
  readonly slackConfigs: readonly SlackConfig[];
}

export interface HttpClientConfig {
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** `authorization: {type, credentials}` or legacy `bearer_token`. */
  readonly authorization?: { readonly type: string; readonly credentials: string };
  readonly followRedirects: boolean;
}

export interface WebhookConfig {
  readonly url: string;
  /** Default true. */
  readonly sendResolved: boolean;
  /** 0 = unlimited. */
  readonly maxAlerts: number;
  /** 0 = no timeout of its own (the flush deadline still applies). */
  readonly timeoutMs: number;
  readonly httpConfig?: HttpClientConfig;
}

export interface PagerdutyConfig {
  /** Events API v2 integration key (`routing_key` or `routing_key_file`). Secret: never log. */
  readonly routingKey: string;
  readonly url: string;
  /** Default true. */
  readonly sendResolved: boolean;
  readonly client: string;
  readonly clientUrl: string;
  readonly severity: string;
  readonly class?: string;
  readonly component?: string;
  readonly group?: string;
  readonly source?: string;
  readonly description?: string;
  readonly details: Readonly<Record<string, string>>;
  readonly httpConfig?: HttpClientConfig;
}

export interface SlackConfig {
  /**
   * Where messages are posted: the incoming-webhook URL (`api_url` / `api_url_file` / global), or, with
   * `appToken`, the Web API `chat.postMessage` URL (`app_url`). Secret: never log.
   */
  readonly apiUrl: string;
  /** Bot token for the Web API (`app_token` / `app_token_file`). Secret: never log. */
  readonly appToken?: string;
  /** Edit the group's message with `chat.update` on every change, with a threaded timeline (needs appToken). */
  readonly updateMessage: boolean;
  readonly channel?: string;
  /** Default false, as in Alertmanager. */
  readonly sendResolved: boolean;
  readonly title?: string;
  readonly text?: string;
  readonly username?: string;
  readonly httpConfig?: HttpClientConfig;
}

export interface InhibitRuleConfig {
  /** Optional `name` of the rule (Alertmanager 0.29+), for messages and metrics. */
  readonly name?: string;
  readonly sourceMatchers: readonly Matcher[];
  readonly targetMatchers: readonly Matcher[];
  readonly equal: readonly string[];
  readonly path: string;
}
