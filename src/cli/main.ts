/**
 * The `alertsift` command: `serve` (the embedded default), `replay` (virtual time) and `check-config`.
 * This file only parses arguments and wires the engine to its doors; behaviour lives in the stages.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkConfig } from '../config/checkConfig.js';
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { parseTime } from '../domain/time.js';
import { readLines } from '../intake/replay/readLines.js';
import { replay } from '../intake/replay/replay.js';
import { loadCorrelation } from './correlation.js';
import { serve } from './serve.js';

const USAGE = `usage:
  alertsift serve --config <alertmanager.yml> [--rules <dir>] [--listen 0.0.0.0:9093] [--external-url URL] [--log-level info]
  alertsift replay --config <file> [--rules <dir>] --input <file.jsonl> [--output <file.jsonl>] [--until <RFC3339>] [--external-url URL]
  alertsift check-config <file> [<file>...] [--rules <dir>]

  --rules <dir>  correlation rules (docs/correlation.md); without it alertsift behaves as Alertmanager
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'replay':
      return replayCommand(rest);
    case 'check-config':
      return checkConfigCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

async function checkConfigCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { rules: { type: 'string' } }, allowPositionals: true, strict: true });
  if (positionals.length === 0 && values.rules === undefined) {
    process.stderr.write(`check-config needs at least one file\n${USAGE}`);
    return 2;
  }
  let failed = false;
  if (values.rules !== undefined) {
    const r = await loadCorrelation(values.rules);
    if (r.ok) {
      const what = `${r.factory ? 'correlation on' : 'no rule claims anything: correlation stays off'}, ${r.slos.length} SLO${r.slos.length === 1 ? '' : 's'}`;
      process.stdout.write(`Checking rules in '${values.rules}'  SUCCESS (${what})\n`);
    }
    else {
      process.stderr.write(`Checking rules in '${values.rules}'  FAILED:\n${r.errors.map((e) => `  ${e}`).join('\n')}\n`);
      failed = true;
    }
  }
  for (const file of positionals) {
    const r = checkConfig(file);
    (r.ok ? process.stdout : process.stderr).write(r.output.endsWith('\n') ? r.output : r.output + '\n');
    if (!r.ok) failed = true;
  }
  return failed ? 1 : 0;
}

async function replayCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      until: { type: 'string' },
      'external-url': { type: 'string' },
      rules: { type: 'string' },
    },
    strict: true,
  });
  if (!values.config || !values.input) {
    process.stderr.write(`replay needs --config and --input\n${USAGE}`);
    return 2;
  }
  const loaded = loadConfigFile(values.config);
  if (!loaded.ok) {
    for (const e of loaded.errors) process.stderr.write(formatConfigError(e) + '\n');
    return 1;
  }
  const correlation = await loadCorrelation(values.rules);
  if (!correlation.ok) {
    for (const e of correlation.errors) process.stderr.write(e + '\n');
    return 1;
  }
  let until: number | undefined;
  if (values.until !== undefined) {
    until = parseTime(values.until);
    if (until === undefined) {
      process.stderr.write(`--until: not an RFC 3339 time: ${values.until}\n`);
      return 2;
    }
  }
  const out = values.output ? openSync(values.output, 'w') : 1;
  const writer = new BufferedWriter(out);
  if (!existsSync(values.input)) {
    process.stderr.write(`--input: no such file: ${values.input}\n`);
    return 2;
  }
  const lines = readLines(values.input);
  const stats = await replay({
    config: loaded.config,
    lines,
    output: (line) => writer.write(line),
    until,
    externalURL: values['external-url'],
    onError: (m) => process.stderr.write(`${values.input}: ${m}\n`),
    ...(correlation.factory && { correlation: correlation.factory }),
    ...(correlation.slos.length > 0 && { slos: correlation.slos }),
  });
  writer.flush();
  if (values.output) closeSync(out);
  process.stderr.write(
    `replayed ${stats.lines} lines, ${stats.alertsReceived} alerts, ${stats.signalsReceived} signals, ` +
      `${stats.changesReceived} changes, ${stats.rejected} rejected, ` +
      `${stats.notifications} notifications (virtual ${stats.virtualStart ?? '-'} → ${stats.virtualEnd ?? '-'})\n`,
  );
  return 0;
}

/** Output lines are many and small: batch them into large synchronous writes. */
class BufferedWriter {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly fd: number) {}
  write(line: string): void {
    this.chunks.push(line, '\n');
    this.size += line.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.chunks.length === 0) return;
    const buf = Buffer.from(this.chunks.join(''));
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off);
    this.chunks = [];
    this.size = 0;
  }
}

async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      listen: { type: 'string', default: '0.0.0.0:9093' },
      'external-url': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      rules: { type: 'string' },
    },
    strict: true,
  });
  if (!values.config) {
    process.stderr.write(`serve needs --config\n${USAGE}`);
    return 2;
  }
  const correlation = await loadCorrelation(values.rules);
  if (!correlation.ok) {
    for (const e of correlation.errors) process.stderr.write(e + '\n');
    return 1;
  }
  const text = readConfigText(values.config);
  return serve({
    configPath: values.config,
    configText: text,
    listen: values.listen!,
    externalURL: values['external-url'],
    logLevel: values['log-level']!,
    ...(correlation.factory && { correlation: correlation.factory }),
    ...(correlation.slos.length > 0 && { slos: correlation.slos }),
  });
}

function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
