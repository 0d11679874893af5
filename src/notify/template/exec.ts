/**
 * The executor: walks a parsed tree against data with Go's `text/template` semantics (exec.go):
 *
 * - a pipeline passes each command's result as the last argument of the next;
 * - `.Name` looks up a method first, then a struct field, then a map key; a missing map key follows the
 *   missingkey option (Alertmanager uses `zero`: "" for its `map[string]string` label sets);
 * - function and method arguments are checked against parameter types with Go's messages;
 * - `and`/`or` short-circuit; `range` over maps goes in sorted key order; variables are scoped to the
 *   enclosing control structure; `{{template}}` starts a fresh variable scope with `$` = its argument.
 *
 * Runaway templates are bounded: every node and command costs a step (`maxSteps`), output is capped
 * (`maxOutputChars`) and `{{template}}` nesting is capped (`maxDepth`), each with a `TemplateLimitError`.
 */
import {
  type ArgNode,
  type ChainNode,
  type CommandNode,
  type IdentifierNode,
  type IfNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type RangeNode,
  type TemplateNode,
  type Tree,
  type VariableNode,
  nodeString,
} from './ast.js';
import { TemplateExecError, TemplateLimitError } from './errors.js';
import { formatValue, printValue } from './fmt.js';
import { GoDuration, GoTime } from './time.js';
import {
  type CallContext,
  GoFloat,
  type GoMethod,
  GoMap,
  GoNamedInt,
  GoSlice,
  GoStringSlice,
  GoStruct,
  NO_FIELD,
  type ParamType,
  isTrue,
  kindOf,
  mapLookup,
  mapSortedKeys,
  mapZero,
  numberOf,
  sliceItems,
  typeName,
} from './values.js';

/** A template function. */
export interface GoFunc {
  readonly params: readonly ParamType[];
  /** Type of the remaining arguments, for variadic functions. */
  readonly variadic?: ParamType;
  /** `and`/`or`: evaluated lazily by the executor, which short-circuits. */
  readonly lazy?: 'and' | 'or';
  readonly call: (args: unknown[], ctx: CallContext) => unknown;
}

export type FuncMap = ReadonlyMap<string, GoFunc>;

export type MissingKey = 'default' | 'zero' | 'error';

export interface ExecLimits {
  /** Maximum output, in characters (UTF-16 code units). */
  readonly maxOutputChars: number;
  /** Maximum evaluation steps (nodes walked, commands evaluated, range iterations). */
  readonly maxSteps: number;
  /** Maximum `{{template}}` nesting. */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: ExecLimits = { maxOutputChars: 1 << 20, maxSteps: 1_000_000, maxDepth: 100 };

export interface ExecEnv {
  readonly funcs: FuncMap;
  /** Finds a template by name for `{{template}}`, at execution time (as Go does). */
  readonly lookup: (name: string) => Tree | undefined;
  readonly limits: ExecLimits;
  readonly missingKey: MissingKey;
  /** Epoch milliseconds, for `since`. */
  readonly now: () => number;
}

/** Executes `tree` with `data` as dot and `$`. */
export function executeTree(tree: Tree, data: unknown, env: ExecEnv): string {
  const s = new State(env, tree);
  s.vars.push({ name: '$', value: data });
  try {
    s.walk(data, tree.root);
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new TemplateLimitError('maxDepth', 'template nesting too deep for the JavaScript stack', s.tree.name, undefined, undefined);
    }
    throw e;
  }
  return s.out;
}

/** The absence of a piped-in final argument (distinct from a nil or missing value). */
const MISSING: unique symbol = Symbol('missing');
type Final = unknown;

const enum Flow {
  Normal = 0,
  Break = 1,
  Continue = 2,
}

interface Variable {
  readonly name: string;
  value: unknown;
}

/** Go type names of parameter types, for messages. */
const PARAM_TYPE_NAMES: Readonly<Record<ParamType, string>> = {
  any: 'interface {}',
  value: 'reflect.Value',
  string: 'string',
  int: 'int',
  float: 'float64',
  bool: 'bool',
  time: 'time.Time',
  duration: 'time.Duration',
  stringSlice: '[]string',
};

type Callable = GoFunc | GoMethod;

class State implements CallContext {
  out = '';
  vars: Variable[] = [];
  private steps = 0;
  private depth = 0;
  /** The node being evaluated, for error positions. */
  private atNode: ArgNode | CommandNode | Node | undefined;

  constructor(
    private readonly env: ExecEnv,
    public tree: Tree,
  ) {}

  now(): number {
    return this.env.now();
  }

  // ---- errors and limits --------------------------------------------------------------------------

  private position(): { pos: ReturnType<Tree['source']['lines']['position']> | undefined; ctx: string | undefined } {
    const n = this.atNode;
    if (n === undefined) return { pos: undefined, ctx: undefined };
    return { pos: this.tree.source.lines.position(this.tree.source.parseName, n.pos), ctx: nodeString(n) };
  }

  errorf(msg: string): never {
    const { pos, ctx } = this.position();
    throw new TemplateExecError(msg, this.tree.name, pos, ctx);
  }

  private limit(which: 'maxOutputChars' | 'maxSteps' | 'maxDepth', msg: string): never {
    const { pos, ctx } = this.position();
    const kind = which === 'maxOutputChars' ? 'maxOutput' : which;
    throw new TemplateLimitError(kind, msg, this.tree.name, pos, ctx);
  }

  private step(): void {
    if (++this.steps > this.env.limits.maxSteps) {
      this.limit('maxSteps', `template exceeded its budget of ${this.env.limits.maxSteps} evaluation steps`);
    }
  }

  private write(s: string): void {
    this.out += s;
    if (this.out.length > this.env.limits.maxOutputChars) {
      this.limit('maxOutputChars', `template output exceeds the limit of ${this.env.limits.maxOutputChars} characters`);
    }
  }

  // ---- variables ----------------------------------------------------------------------------------

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  // ---- walking ------------------------------------------------------------------------------------

  walk(dot: unknown, node: Node): Flow {
    this.step();
    switch (node.type) {
      case 'text':
        this.write(node.text);
        return Flow.Normal;
      case 'action': {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) {
          this.atNode = node;
          if (kindOf(v) === 'func') this.errorf(`can't print ${nodeString(node.pipe)} of type func`);
          this.write(printValue(v));
        }
        return Flow.Normal;
      }
      case 'list':
        for (const n of node.nodes) {
          const r = this.walk(dot, n);
          if (r !== Flow.Normal) return r;
        }
        return Flow.Normal;
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'range':
        this.walkRange(dot, node);
        return Flow.Normal;
      case 'template':
        this.walkTemplate(dot, node);
        return Flow.Normal;
      case 'break':
        return Flow.Break;
      case 'continue':
        return Flow.Continue;
    }
  }

  private walkIfOrWith(dot: unknown, node: IfNode): Flow {
    const mark = this.vars.length;
    const val = this.evalPipeline(dot, node.pipe);
    let r = Flow.Normal;
    if (isTrue(val)) r = this.walk(node.type === 'with' ? val : dot, node.list);
    else if (node.elseList) r = this.walk(dot, node.elseList);
    this.vars.length = mark;
    return r;
  }

  private walkRange(dot: unknown, r: RangeNode): void {
    this.atNode = r;
    const outer = this.vars.length;
    const val = this.evalPipeline(dot, r.pipe);
    // Variables declared by the range pipeline live across iterations; the body's are popped each time.
    const mark = this.vars.length;
    const decl = r.pipe.decl;
    const one = (index: unknown, elem: unknown): Flow => {
      this.step();
      if (decl.length > 0) {
        if (r.pipe.isAssign) this.setVar(decl[0]!, decl.length > 1 ? index : elem);
        else this.vars[this.vars.length - 1]!.value = elem;
      }
      if (decl.length > 1) {
        if (r.pipe.isAssign) this.setVar(decl[1]!, elem);
        else this.vars[this.vars.length - 2]!.value = index;
      }
      const flow = this.walk(elem, r.list);
      this.vars.length = mark;
      return flow;
    };
    let ran = false;
    switch (kindOf(val)) {
      case 'slice': {
        const items = sliceItems(val)!;
        for (let i = 0; i < items.length; i++) {
          ran = true;
          if (one(i, items[i]) === Flow.Break) break;
        }
        break;
      }
      case 'map': {
        for (const k of mapSortedKeys(val)) {
          ran = true;
          if (one(k, mapLookup(val, k)) === Flow.Break) break;
        }
        break;
      }
      case 'int': {
        if (val instanceof GoNamedInt) this.errorf(`range can't iterate over ${formatValue(val)}`);
        if (decl.length > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
        const n = numberOf(val);
        for (let i = 0; i < n; i++) {
          ran = true;
          if (one(i, i) === Flow.Break) break;
        }
        break;
      }
      case 'invalid':
      case 'nil':
        break;
      default:
        this.atNode = r;
        this.errorf(`range can't iterate over ${formatValue(val)}`);
    }
    if (!ran && r.elseList) this.walk(dot, r.elseList);
    this.vars.length = outer;
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.atNode = t;
    const tree = this.env.lookup(t.name);
    if (tree === undefined) this.errorf(`template ${JSON.stringify(t.name)} not defined`);
    if (this.depth >= this.env.limits.maxDepth) {
      this.limit('maxDepth', `exceeded maximum template depth (${this.env.limits.maxDepth})`);
    }
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    const savedVars = this.vars;
    const savedTree = this.tree;
    this.vars = [{ name: '$', value: newDot }];
    this.tree = tree;
    this.depth++;
    try {
      this.walk(newDot, tree.root);
    } finally {
      this.depth--;
      this.tree = savedTree;
      this.vars = savedVars;
    }
  }

  // ---- evaluation ---------------------------------------------------------------------------------

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.atNode = pipe;
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface{} result is no value at all (Go digs into interface results here).
      if (value === null) value = undefined;
    }
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    this.step();
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.ident, 0, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.atNode = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private notAFunction(args: readonly ArgNode[] | null, final: Final): void {
    if ((args !== null && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
    }
  }

  private idealConstant(n: NumberNode): unknown {
    this.atNode = n;
    if (n.goFloat) return new GoFloat(n.floatValue);
    if (n.isInt) return n.intValue;
    return new GoFloat(n.floatValue);
  }

  private evalFunction(dot: unknown, node: IdentifierNode, cmd: ArgNode | CommandNode, args: readonly ArgNode[] | null, final: Final): unknown {
    this.atNode = node;
    const fn = this.env.funcs.get(node.name);
    if (fn === undefined) this.errorf(`${JSON.stringify(node.name)} is not a defined function`);
    return this.evalCall(dot, fn, undefined, cmd, node.name, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: readonly ArgNode[] | null, final: Final): unknown {
    this.atNode = v;
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident, 1, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: readonly ArgNode[] | null, final: Final): unknown {
    this.atNode = chain;
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    let receiver: unknown;
    if (chain.node.type === 'pipe') receiver = this.evalPipeline(dot, chain.node);
    else if (chain.node.type === 'identifier') receiver = this.evalFunction(dot, chain.node, chain.node, null, MISSING);
    else receiver = this.evalArg(dot, 'any', chain.node);
    return this.evalFieldChain(dot, receiver, chain, chain.field, 0, args, final);
  }

  /** Evaluates `ident[start..]` as fields of `receiver`; only the last one gets the arguments. */
  private evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: ArgNode,
    ident: readonly string[],
    start: number,
    args: readonly ArgNode[] | null,
    final: Final,
  ): unknown {
    const n = ident.length;
    for (let i = start; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalField(dot: unknown, name: string, node: ArgNode, args: readonly ArgNode[] | null, final: Final, receiver: unknown): unknown {
    this.atNode = node;
    if (receiver === undefined) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key ${JSON.stringify(name)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    if (receiver instanceof GoStruct || receiver instanceof GoMap || receiver instanceof GoSlice || receiver instanceof GoNamedInt) {
      const method = receiver.goMethod(name);
      if (method !== undefined) return this.evalCall(dot, method, receiver, node, name, args, final);
    }
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    switch (kindOf(receiver)) {
      case 'struct': {
        const v = (receiver as GoStruct).goField(name);
        if (v === NO_FIELD) break;
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return v;
      }
      case 'map': {
        if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
        const v = mapLookup(receiver, name);
        if (v !== undefined) return v;
        switch (this.env.missingKey) {
          case 'default':
            return undefined;
          case 'zero':
            return mapZero(receiver);
          case 'error':
            this.errorf(`map has no entry for key ${JSON.stringify(name)}`);
        }
      }
    }
    this.errorf(`can't evaluate field ${name} in type ${typeName(receiver)}`);
  }

  private evalCall(
    dot: unknown,
    fn: Callable,
    receiver: unknown,
    node: ArgNode | CommandNode,
    name: string,
    args: readonly ArgNode[] | null,
    final: Final,
  ): unknown {
    const argNodes = args !== null ? args.slice(1) : [];
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    const fixed = fn.params.length;
    this.atNode = node;
    if (fn.variadic !== undefined) {
      if (numIn < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${numIn}`);
    } else if (numIn !== fixed) {
      this.errorf(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
    }
    const paramAt = (i: number): ParamType => (i < fixed ? fn.params[i]! : fn.variadic!);

    const lazy = 'lazy' in fn ? fn.lazy : undefined;
    if (lazy !== undefined) {
      // and/or: stop at the first argument that decides the result, and return that argument.
      let v: unknown;
      for (const a of argNodes) {
        v = this.evalArg(dot, 'value', a);
        if (isTrue(v) === (lazy === 'or')) return v;
      }
      if (final !== MISSING) v = this.validateType(final, 'value');
      return v;
    }

    const argv: unknown[] = [];
    for (let i = 0; i < argNodes.length; i++) argv.push(this.evalArg(dot, paramAt(i), argNodes[i]!));
    if (final !== MISSING) argv.push(this.validateType(final, paramAt(argv.length)));
    this.atNode = node;
    try {
      return receiver === undefined ? (fn as GoFunc).call(argv, this) : (fn as GoMethod).call(receiver, argv, this);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      this.atNode = node;
      // Go recovers panics in functions too (regexp.MustCompile in reReplaceAll, for one).
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private evalArg(dot: unknown, pt: ParamType, n: ArgNode): unknown {
    this.atNode = n;
    switch (n.type) {
      case 'dot':
        return this.validateType(dot, pt);
      case 'nil':
        if (pt === 'any' || pt === 'stringSlice' || pt === 'value') return null;
        this.errorf(`cannot assign nil to ${PARAM_TYPE_NAMES[pt]}`);
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, n, n.ident, 0, [n], MISSING), pt);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, n, null, MISSING), pt);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, n), pt);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, n, n, null, MISSING), pt);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, n, null, MISSING), pt);
    }
    this.atNode = n;
    switch (pt) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return n.intValue;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'float':
        if (n.type === 'number' && n.isFloat) return new GoFloat(n.floatValue);
        this.errorf(`expected float; found ${nodeString(n)}`);
      case 'any':
      case 'value':
        if (n.type === 'bool') return n.value;
        if (n.type === 'string') return n.text;
        return this.idealConstant(n);
      default:
        this.errorf(`can't handle ${nodeString(n)} for arg of type ${PARAM_TYPE_NAMES[pt]}`);
    }
  }

  /** Go's validateType: is `value` assignable to a parameter of type `pt`? */
  private validateType(value: unknown, pt: ParamType): unknown {
    if (value === undefined) {
      if (pt === 'any' || pt === 'stringSlice') return null;
      if (pt === 'value') return undefined;
      this.errorf(`invalid value; expected ${PARAM_TYPE_NAMES[pt]}`);
    }
    switch (pt) {
      case 'any':
      case 'value':
        return value;
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'bool':
        if (typeof value === 'boolean') return value;
        break;
      case 'int':
        if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
        break;
      case 'float':
        if (value instanceof GoFloat) return value.value;
        if (typeof value === 'number' && !Number.isSafeInteger(value)) return value;
        break;
      case 'time':
        if (value instanceof GoTime) return value;
        break;
      case 'duration':
        if (value instanceof GoDuration) return value;
        break;
      case 'stringSlice':
        if (value === null) return null;
        if (value instanceof GoStringSlice) return value.items;
        // Lenient with plain arrays of strings (data handed in from JavaScript).
        if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return value;
        break;
    }
    const got = value === null ? 'interface {}' : typeName(value);
    this.errorf(`wrong type for value; expected ${PARAM_TYPE_NAMES[pt]}; got ${got}`);
  }
}
