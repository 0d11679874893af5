/**
 * Go `text/template` with Alertmanager's data model, functions and default templates, for templated
 * notification fields (PagerDuty description/details/client/client_url, Slack title/text, …).
 *
 *   const title = compileTemplate('{{ template "slack.default.title" . }}', 'slack.title'); // config load
 *   title.execute(templateData(notification));                                              // per flush
 *
 * See docs/templates.md for what is supported and how it differs from Go.
 */
export { compileTemplate, defaultTemplateSet, TemplateSet } from './template.js';
export type { CompiledTemplate, ExecuteOptions, TemplateSetOptions } from './template.js';
export { TemplateError, TemplateExecError, TemplateLimitError, GoError } from './errors.js';
export type { SourcePosition } from './errors.js';
export { templateData, Data, Alert, Alerts, AlertSlice, KV, Pair, Pairs, quoteMeta } from './data.js';
export { DEFAULT_TEMPLATES } from './defaults.js';
export { DEFAULT_LIMITS } from './exec.js';
export type { ExecLimits, FuncMap, GoFunc, MissingKey } from './exec.js';
export { BUILTIN_FUNCS, ALERTMANAGER_FUNCS } from './funcs.js';
export { GoTime, GoDuration } from './time.js';
export { GoFloat } from './values.js';
export type { ParamType } from './values.js';
