/**
 * Compiling and running templates, the way Alertmanager does:
 *
 * - a `TemplateSet` holds named templates: Alertmanager's defaults (`DEFAULT_TEMPLATES`) and the user's
 *   template files (`define` blocks; a later definition replaces an earlier one, as in Go);
 * - a configuration field (a Slack title, a PagerDuty description) is compiled once, at configuration
 *   load, into a `CompiledTemplate` that can call every template of its set (Alertmanager's
 *   `ExecuteTextString` parses the field into a clone of its template set; defines inside the field are
 *   private to that field);
 * - execution never re-parses; it reads the template data and writes a string, within the limits.
 */
import { isEmptyTree, type Node, type Tree } from './ast.js';
import { DEFAULT_TEMPLATES } from './defaults.js';
import { TemplateExecError } from './errors.js';
import { DEFAULT_LIMITS, executeTree, type ExecEnv, type ExecLimits, type FuncMap, type MissingKey } from './exec.js';
import { defaultFuncs } from './funcs.js';
import { parse } from './parser.js';

export interface TemplateSetOptions {
  /** Load Alertmanager's default templates (default true). */
  readonly defaults?: boolean;
  /** What a missing map key yields: Alertmanager runs with 'zero' (the default here too). */
  readonly missingKey?: MissingKey;
  /** Limits for every execution (each can be overridden per call). */
  readonly limits?: Partial<ExecLimits>;
  /** Extra functions; Alertmanager's own functions win on a name clash, as in Alertmanager. */
  readonly funcs?: FuncMap;
  /** Clock for `since`, epoch milliseconds (default Date.now). */
  readonly now?: () => number;
}

export interface ExecuteOptions extends Partial<ExecLimits> {
  readonly now?: () => number;
}

export interface CompiledTemplate {
  /** The template's name (used in error messages). */
  readonly name: string;
  readonly source: string;
  /**
   * Renders with `data` as dot. Pass `templateData(notification)` for Alertmanager's data model.
   * Throws `TemplateExecError` (or its subclass `TemplateLimitError`).
   */
  execute(data: unknown, opts?: ExecuteOptions): string;
  /** Templates named in `{{template}}` (directly or through the templates it calls) that do not exist. */
  undefinedTemplates(): string[];
}

export class TemplateSet {
  private readonly trees = new Map<string, Tree>();
  private readonly funcs: FuncMap;
  private readonly missingKey: MissingKey;
  private readonly limits: ExecLimits;
  private readonly now: () => number;
  private readonly env: ExecEnv;

  constructor(opts: TemplateSetOptions = {}) {
    this.funcs = defaultFuncs(opts.funcs);
    this.missingKey = opts.missingKey ?? 'zero';
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.now = opts.now ?? Date.now;
    this.env = this.makeEnv((n) => this.trees.get(n), {});
    if (opts.defaults ?? true) this.add(DEFAULT_TEMPLATES, 'default.tmpl');
  }

  /**
   * Parses a template file (typically `define` blocks) into the set. Throws `TemplateError` with the
   * line and column of the first problem; on error nothing is added.
   */
  add(source: string, parseName = 'template'): this {
    const parsed = parse(source, { name: parseName, parseName, hasFunction: (n) => this.funcs.has(n) });
    for (const [name, tree] of parsed) {
      const old = this.trees.get(name);
      // An empty body never replaces a real one (Go's rule, so that a file of defines does not
      // clobber a template named like the file).
      if (old !== undefined && isEmptyTree(tree.root) && !isEmptyTree(old.root)) continue;
      this.trees.set(name, tree);
    }
    return this;
  }

  has(name: string): boolean {
    return this.trees.has(name);
  }

  names(): string[] {
    return [...this.trees.keys()].sort();
  }

  /**
   * Compiles inline template text (a configuration field). Its own `define`s are visible only to it;
   * every template of the set is callable. Throws `TemplateError`.
   */
  compile(source: string, name = ''): CompiledTemplate {
    const parsed = parse(source, { name, hasFunction: (n) => this.funcs.has(n) });
    const local = new Map(parsed);
    const root = local.get(name)!;
    local.delete(name);
    const lookup = (n: string): Tree | undefined => local.get(n) ?? this.trees.get(n);
    const env = this.makeEnv(lookup, {});
    return {
      name,
      source,
      execute: (data, opts) => executeTree(root, data, opts ? this.makeEnv(lookup, opts) : env),
      undefinedTemplates: () => undefinedTemplates(root, lookup),
    };
  }

  /** Runs the named template of the set (for example `slack.default.title`). */
  execute(name: string, data: unknown, opts?: ExecuteOptions): string {
    const tree = this.trees.get(name);
    if (tree === undefined) throw new TemplateExecError(`no template ${JSON.stringify(name)} defined`, name, undefined, undefined);
    return executeTree(tree, data, opts ? this.makeEnv((n) => this.trees.get(n), opts) : this.env);
  }

  private makeEnv(lookup: (name: string) => Tree | undefined, opts: ExecuteOptions): ExecEnv {
    return {
      funcs: this.funcs,
      lookup,
      missingKey: this.missingKey,
      limits: {
        maxOutputChars: opts.maxOutputChars ?? this.limits.maxOutputChars,
        maxSteps: opts.maxSteps ?? this.limits.maxSteps,
        maxDepth: opts.maxDepth ?? this.limits.maxDepth,
      },
      now: opts.now ?? this.now,
    };
  }
}

function undefinedTemplates(root: Tree, lookup: (name: string) => Tree | undefined): string[] {
  const missing = new Set<string>();
  const seen = new Set<Tree>();
  const visit = (node: Node): void => {
    switch (node.type) {
      case 'list':
        node.nodes.forEach(visit);
        break;
      case 'if':
      case 'with':
      case 'range':
        visit(node.list);
        if (node.elseList) visit(node.elseList);
        break;
      case 'template': {
        const t = lookup(node.name);
        if (t === undefined) missing.add(node.name);
        else if (!seen.has(t)) {
          seen.add(t);
          visit(t.root);
        }
        break;
      }
      default:
        break;
    }
  };
  seen.add(root);
  visit(root.root);
  return [...missing].sort();
}

let defaultSet: TemplateSet | undefined;

/** A shared set holding only Alertmanager's default templates. */
export function defaultTemplateSet(): TemplateSet {
  return (defaultSet ??= new TemplateSet());
}

/**
 * Compiles template text once (at configuration load) against Alertmanager's default templates and
 * functions. Throws `TemplateError` with line and column.
 */
export function compileTemplate(source: string, name = ''): CompiledTemplate {
  return defaultTemplateSet().compile(source, name);
}
