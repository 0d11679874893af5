/**
 * Where errors point, what they carry, and the limits that stop runaway templates.
 */
import { describe, expect, it } from 'vitest';
import {
  compileTemplate,
  templateData,
  TemplateError,
  TemplateExecError,
  TemplateLimitError,
  TemplateSet,
} from '../../../src/notify/template/index.js';
import { FIRING_GROUP } from './fixtures.js';

function parseError(src: string, name = 'field'): TemplateError {
  try {
    compileTemplate(src, name);
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(src)} not to parse`);
}

function execError(src: string, data: unknown = templateData(FIRING_GROUP), opts?: Parameters<ReturnType<typeof compileTemplate>['execute']>[1]): TemplateExecError {
  const t = compileTemplate(src, 'field');
  try {
    t.execute(data, opts);
  } catch (e) {
    if (e instanceof TemplateExecError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(src)} to fail`);
}

describe('parse errors carry line and column', () => {
  it.each([
    // [source, line, col, message]
    ['{{ .a ', 1, 1, 'unclosed action'],
    ['ab\n{{ .a ', 2, 1, 'unclosed action'],
    ['x\n  {{ foo 1 }}', 2, 6, 'function "foo" not defined'],
    ['line one\nline two {{ .a.b.c | nofunc }}', 2, 22, 'function "nofunc" not defined'],
    ['{{ .a-b }}', 1, 6, "bad character U+002D '-'"],
    ['{{ "abc }}', 1, 4, 'unterminated quoted string'],
    ['a{{ end }}', 1, 5, 'unexpected {{end}}'],
    ['{{ if true }}x', 1, 15, 'unexpected EOF'],
    ['{{ $y }}', 1, 4, 'undefined variable "$y"'],
    ['{{ range .x }}{{ end }}{{ break }}', 1, 27, '{{break}} outside {{range}}'],
    ['{{ 1 | 2 }}', 1, 8, 'non executable command in pipeline stage 2'],
    ['a{{/* x', 1, 2, 'unclosed comment'],
    ['{{ define "x" }}a{{ end }}\n{{ define "x" }}b{{ end }}', 2, 4, 'template: multiple definition of template "x"'],
    ['{{ 12abc }}', 1, 4, 'bad number syntax: "12a"'],
    ['\n\n   {{ }}', 3, 7, 'missing value for command'],
  ])('%j', (src, line, col, msg) => {
    const e = parseError(src);
    expect({ line: e.line, col: e.col, detail: e.detail }).toEqual({ line, col, detail: msg });
    expect(e.message).toBe(`template: field:${line}:${col}: ${msg}`);
  });

  it('names the file for template files', () => {
    const e = (() => {
      try {
        new TemplateSet().add('{{ define "a" }}\n{{ .x | nope }}{{ end }}', 'team.tmpl');
      } catch (err) {
        return err as TemplateError;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(TemplateError);
    expect(e.message).toBe('template: team.tmpl:2:9: function "nope" not defined');
    expect(e.position.parseName).toBe('team.tmpl');
  });

  it('adds nothing to a set when a file fails to parse', () => {
    const set = new TemplateSet({ defaults: false });
    expect(() => set.add('{{ define "ok" }}x{{ end }}{{ define "bad" }}{{ .a | nope }}{{ end }}')).toThrow(TemplateError);
    expect(set.has('ok')).toBe(false);
  });
});

describe('execution errors carry the template name and position', () => {
  it('points at the failing node', () => {
    const e = execError('ok\n{{ .CommonLabels.alertname.x }}');
    expect(e.templateName).toBe('field');
    expect(e.position).toEqual({ parseName: 'field', line: 2, col: 4 });
    expect(e.context).toBe('.CommonLabels.alertname.x');
    expect(e.message).toBe('template: field:2:4: executing "field" at <.CommonLabels.alertname.x>: can\'t evaluate field x in type string');
  });

  it('names the inner template when a called template fails', () => {
    const set = new TemplateSet().add('{{ define "inner" }}\n  {{ index .Alerts 9 }}{{ end }}', 'user.tmpl');
    const t = set.compile('{{ template "inner" . }}', 'slack.title');
    let err: unknown;
    try {
      t.execute(templateData(FIRING_GROUP));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateExecError);
    const e = err as TemplateExecError;
    expect(e.templateName).toBe('inner');
    expect(e.position).toEqual({ parseName: 'user.tmpl', line: 2, col: 6 });
    expect(e.detail).toBe('error calling index: index out of range: 9');
  });

  it.each([
    ['{{ .Alerts.Nope }}', "can't evaluate field Nope in type template.Alerts"],
    ['{{ toUpper .Alerts }}', 'wrong type for value; expected string; got template.Alerts'],
    ['{{ join "," .CommonLabels }}', 'wrong type for value; expected []string; got template.KV'],
    ['{{ len }}', 'wrong number of args for len: want 1 got 0'],
    ['{{ .CommonLabels.Remove }}', 'wrong number of args for Remove: want 1 got 0'],
    ['{{ .Receiver 1 }}', 'Receiver has arguments but cannot be invoked as function'],
    ['{{ template "nope" . }}', 'template "nope" not defined'],
    ['{{ reReplaceAll "(" "" "x" }}', 'error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: Unterminated group: `(`'],
    ['{{ tz "Nowhere/Atlantis" (index .Alerts 0).StartsAt }}', 'error calling tz: unknown time zone Nowhere/Atlantis'],
    ['{{ $x := 1 }}{{ $x = 2 }}{{ $y = 3 }}', 'undefined variable: $y'],
  ])('%s', (src, detail) => {
    expect(execError(src).detail).toBe(detail);
  });
});

describe('limits', () => {
  it('stops a template that runs too long', () => {
    const e = execError('{{ range 1000000 }}x{{ end }}', null, { maxSteps: 1000, maxOutputChars: 1e9 });
    expect(e).toBeInstanceOf(TemplateLimitError);
    expect((e as TemplateLimitError).limit).toBe('maxSteps');
    expect(e.detail).toBe('template exceeded its budget of 1000 evaluation steps');
  });

  it('stops a template whose output is too large', () => {
    const e = execError('{{ range 1000 }}0123456789{{ end }}', null, { maxOutputChars: 100 });
    expect(e).toBeInstanceOf(TemplateLimitError);
    expect((e as TemplateLimitError).limit).toBe('maxOutput');
    expect(e.detail).toBe('template output exceeds the limit of 100 characters');
  });

  it('stops unbounded recursion', () => {
    const e = execError('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', null);
    expect(e).toBeInstanceOf(TemplateLimitError);
    expect((e as TemplateLimitError).limit).toBe('maxDepth');
    expect(e.detail).toBe('exceeded maximum template depth (100)');
  });

  it('applies set-wide limits, overridable per call', () => {
    const set = new TemplateSet({ limits: { maxOutputChars: 5 } });
    const t = set.compile('{{ range 10 }}ab{{ end }}');
    expect(() => t.execute(null)).toThrow(TemplateLimitError);
    expect(t.execute(null, { maxOutputChars: 100 })).toBe('ab'.repeat(10));
  });

  it('stops exponential blow-up through nested templates', () => {
    const src =
      '{{ define "a" }}{{ range 10 }}{{ template "b" }}{{ end }}{{ end }}' +
      '{{ define "b" }}{{ range 10 }}{{ template "c" }}{{ end }}{{ end }}' +
      '{{ define "c" }}{{ range 10 }}{{ range 10 }}{{ range 10 }}{{ range 10 }}x{{ end }}{{ end }}{{ end }}{{ end }}{{ end }}' +
      '{{ template "a" }}';
    expect(() => compileTemplate(src).execute(null, { maxOutputChars: 1e9 })).toThrow(TemplateLimitError);
  });

  it('renders the default templates well within the default limits', () => {
    const t = compileTemplate('{{ template "opsgenie.default.description" . }}{{ template "slack.default.fallback" . }}');
    expect(t.execute(templateData(FIRING_GROUP)).length).toBeGreaterThan(100);
  });
});

describe('safety', () => {
  it('does not reach JavaScript internals through field names', () => {
    const t = compileTemplate('[{{ .constructor }}][{{ .__proto__ }}][{{ .toString }}][{{ .hasOwnProperty }}]');
    expect(t.execute({ a: 1 })).toBe('[<no value>][<no value>][<no value>][<no value>]');
    expect(() => compileTemplate('{{ .Receiver.constructor }}').execute(templateData(FIRING_GROUP))).toThrow(/can't evaluate field constructor in type string/);
    expect(() => compileTemplate('{{ .CommonLabels.constructor }}').execute(templateData(FIRING_GROUP))).not.toThrow();
  });

  // Speed is measured in benchmarks, not asserted here; this checks that a compiled template carries no
  // state from one execution to the next.
  it('compiles once and executes many times with the same result', () => {
    const t = compileTemplate('{{ $n := 0 }}{{ template "slack.default.title" . }} {{ range .Alerts.Firing }}{{ .Labels.instance }} {{ end }}');
    const d = templateData(FIRING_GROUP);
    const first = t.execute(d);
    for (let i = 0; i < 1000; i++) expect(t.execute(d)).toBe(first);
  });
});
