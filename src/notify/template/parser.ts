/**
 * Parser for Go `text/template` source: tokens from the lexer to trees (one per `define`/`block`, plus
 * the top level), with the checks Go makes at parse time, so that a broken template is refused when the
 * configuration loads rather than when the first alert fires:
 *
 * - undefined variables (`$x` used outside the scope of its declaration);
 * - unknown functions (`function "foo" not defined`);
 * - `{{break}}`/`{{continue}}` outside `{{range}}`;
 * - `define` anywhere but the top level, unbalanced `end`/`else`, literals used as pipeline stages;
 * - a template defined twice with non-empty bodies in one source.
 *
 * Scoping mirrors Go: a variable declared in a control structure (including in its pipeline) is visible
 * until that structure's `{{end}}`; a defined template starts with only `$`.
 */
import type {
  ArgNode,
  CommandNode,
  IfNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  RangeNode,
  SourceInfo,
  StringNode,
  TemplateNode,
  Tree,
} from './ast.js';
import { isEmptyTree } from './ast.js';
import { LineIndex, TemplateError } from './errors.js';
import { lex, type Token } from './lexer.js';

export interface ParseOptions {
  /** Name of the top-level template of this source. */
  readonly name: string;
  /** Name used in error positions (a file name); defaults to `name`. */
  readonly parseName?: string;
  /** Whether a function name is known (Go refuses unknown functions at parse time). */
  readonly hasFunction: (name: string) => boolean;
}

/**
 * Parses `src`. Returns every tree it defines, the top level included under `opts.name`. Throws
 * `TemplateError` with the line and column of the problem.
 */
export function parse(src: string, opts: ParseOptions): Map<string, Tree> {
  const source: SourceInfo = { parseName: opts.parseName ?? opts.name, lines: new LineIndex(src) };
  const p = new Parser(lex(src), source, opts.hasFunction);
  return p.parseTop(opts.name);
}

/** What a list ended with, for the caller to check. */
interface ListEnd {
  readonly kind: 'end' | 'else';
  readonly pos: number;
  /** For `{{else if …}}`/`{{else with …}}`: the keyword that follows `else`. */
  readonly chained?: 'if' | 'with';
}

class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private readonly trees = new Map<string, Tree>();

  constructor(
    private readonly tokens: Token[],
    private readonly source: SourceInfo,
    private readonly hasFunction: (name: string) => boolean,
  ) {}

  // ---- token access -------------------------------------------------------------------------------

  private peek(): Token {
    return this.tokens[this.i] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length) this.i++;
    return t;
  }

  private backup(n = 1): void {
    this.i -= n;
  }

  private peekNonSpace(): Token {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }

  private nextNonSpace(): Token {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }

  private fail(msg: string, pos: number): never {
    throw new TemplateError(msg, this.source.lines.position(this.source.parseName, pos));
  }

  /** Go's rendering of a token in "unexpected X" messages. */
  private describe(t: Token): string {
    if (t.type === 'eof') return 'EOF';
    if (t.type === 'keyword') return `<${t.val}>`;
    if (t.type === 'error') return t.val;
    if (t.val.length > 10) return `${JSON.stringify(t.val.slice(0, 10))}...`;
    return JSON.stringify(t.val);
  }

  private unexpected(t: Token, context: string): never {
    if (t.type === 'error') this.fail(t.val, t.pos);
    this.fail(`unexpected ${this.describe(t)} in ${context}`, t.pos);
  }

  private expect(type: Token['type'], context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  // ---- structure ----------------------------------------------------------------------------------

  parseTop(name: string): Map<string, Tree> {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'error') this.fail(this.peek().val, this.peek().pos);
      if (this.peek().type === 'leftDelim') {
        const save = this.i;
        this.next();
        const t = this.nextNonSpace();
        if (t.type === 'keyword' && t.val === 'define') {
          this.parseDefinition(t.pos);
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if ('kind' in n) this.fail(`unexpected {{${n.kind}}}`, n.pos);
      root.nodes.push(n);
    }
    this.add({ name, root, source: this.source }, root.pos);
    return this.trees;
  }

  /** Adds a tree; a second non-empty definition in the same source is an error (as in Go). */
  private add(tree: Tree, pos: number): void {
    const old = this.trees.get(tree.name);
    if (old === undefined || isEmptyTree(old.root)) {
      this.trees.set(tree.name, tree);
      return;
    }
    if (!isEmptyTree(tree.root)) this.fail(`template: multiple definition of template ${JSON.stringify(tree.name)}`, pos);
  }

  private parseDefinition(pos: number): void {
    const name = this.templateName('define clause');
    this.expect('rightDelim', 'define clause');
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    if (end.kind !== 'end') this.fail(`unexpected {{else}} in define clause`, end.pos);
    this.vars = savedVars;
    this.rangeDepth = savedRange;
    this.add({ name, root: list, source: this.source }, pos);
  }

  /** Parses nodes until `{{end}}` or `{{else}}`, which it returns. */
  private itemList(): [ListNode, ListEnd] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      if (this.peek().type === 'error') this.fail(this.peek().val, this.peek().pos);
      const n = this.textOrAction();
      if ('kind' in n) return [list, n];
      list.nodes.push(n);
    }
    this.fail('unexpected EOF', this.peek().pos);
  }

  private textOrAction(): Node | ListEnd {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'text':
        return { type: 'text', pos: t.pos, text: t.val };
      case 'leftDelim':
        return this.action();
      default:
        this.unexpected(t, 'input');
    }
  }

  private action(): Node | ListEnd {
    const t = this.nextNonSpace();
    if (t.type === 'keyword') {
      switch (t.val) {
        case 'block':
          return this.blockControl(t.pos);
        case 'break':
        case 'continue':
          return this.breakControl(t);
        case 'else':
          return this.elseControl(t.pos);
        case 'end':
          this.expect('rightDelim', 'end');
          return { kind: 'end', pos: t.pos };
        case 'if':
          return this.ifControl(t.pos, 'if');
        case 'range':
          return this.rangeControl(t.pos);
        case 'template':
          return this.templateControl(t.pos);
        case 'with':
          return this.ifControl(t.pos, 'with');
        default:
          // `define` is only allowed at the top level.
          break;
      }
    }
    this.backup();
    const pipe = this.pipeline('command', 'rightDelim');
    return { type: 'action', pos: pipe.pos, pipe };
  }

  private breakControl(t: Token): Node {
    const next = this.nextNonSpace();
    if (next.type !== 'rightDelim') this.unexpected(next, `{{${t.val}}}`);
    if (this.rangeDepth === 0) this.fail(`{{${t.val}}} outside {{range}}`, t.pos);
    return { type: t.val as 'break' | 'continue', pos: t.pos };
  }

  private elseControl(pos: number): ListEnd {
    const peek = this.peekNonSpace();
    // `{{else if …}}` and `{{else with …}}` are `{{else}}{{if …}}…{{end}}{{end}}` with the inner end implied.
    if (peek.type === 'keyword' && (peek.val === 'if' || peek.val === 'with')) {
      return { kind: 'else', pos, chained: peek.val };
    }
    this.expect('rightDelim', 'else');
    return { kind: 'else', pos };
  }

  /** The shared shape of if/with/range: pipeline, list, optional else list; variables end with it. */
  private control(context: 'if' | 'with' | 'range'): [PipeNode, ListNode, ListNode | undefined] {
    const mark = this.vars.length;
    const pipe = this.pipeline(context, 'rightDelim');
    if (context === 'range') this.rangeDepth++;
    const [list, end] = this.itemList();
    if (context === 'range') this.rangeDepth--;
    let elseList: ListNode | undefined;
    if (end.kind === 'else') {
      if (end.chained !== undefined && end.chained === context) {
        const kw = this.nextNonSpace();
        elseList = { type: 'list', pos: end.pos, nodes: [this.ifControl(kw.pos, context as 'if' | 'with')] };
      } else if (end.chained !== undefined) {
        // `{{else if}}` inside `with` (or the other way round) is not a chain in Go either.
        this.unexpected(this.nextNonSpace(), 'else');
      } else {
        const [l2, end2] = this.itemList();
        if (end2.kind !== 'end') this.fail('expected end; found {{else}}', end2.pos);
        elseList = l2;
      }
    }
    this.vars.length = mark;
    return [pipe, list, elseList];
  }

  private ifControl(pos: number, kind: 'if' | 'with'): IfNode {
    const [pipe, list, elseList] = this.control(kind);
    return { type: kind, pos, pipe, list, elseList };
  }

  private rangeControl(pos: number): RangeNode {
    const [pipe, list, elseList] = this.control('range');
    return { type: 'range', pos, pipe, list, elseList };
  }

  private templateName(context: string): string {
    const t = this.nextNonSpace();
    if (t.type !== 'string' && t.type !== 'rawString') this.unexpected(t, context);
    return this.unquote(t);
  }

  private templateControl(pos: number): TemplateNode {
    const name = this.templateName('template clause');
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline('template clause', 'rightDelim');
    }
    return { type: 'template', pos, name, pipe };
  }

  /** `{{block "name" pipeline}} body {{end}}` = define "name" body + template "name" pipeline. */
  private blockControl(pos: number): TemplateNode {
    const name = this.templateName('block clause');
    const pipe = this.pipeline('block clause', 'rightDelim');
    const savedVars = this.vars;
    const savedRange = this.rangeDepth;
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [list, end] = this.itemList();
    if (end.kind !== 'end') this.fail('unexpected {{else}} in block clause', end.pos);
    this.vars = savedVars;
    this.rangeDepth = savedRange;
    this.add({ name, root: list, source: this.source }, pos);
    return { type: 'template', pos, name, pipe };
  }

  // ---- pipelines ----------------------------------------------------------------------------------

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const start = this.peekNonSpace();
    const decl: string[] = [];
    let isAssign = false;
    // Declarations: `$x :=`, `$x =`, and in range `$i, $e :=`.
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const save = this.i;
      this.nextNonSpace();
      const after = this.peekNonSpace();
      if (after.type === 'declare' || after.type === 'assign') {
        this.nextNonSpace();
        isAssign = after.type === 'assign';
        decl.push(v.val);
        this.vars.push(v.val);
        break;
      }
      if (after.type === 'char' && after.val === ',') {
        this.nextNonSpace();
        decl.push(v.val);
        this.vars.push(v.val);
        if (context === 'range' && decl.length < 2) {
          const n = this.peekNonSpace();
          if (n.type === 'variable') continue;
          this.fail('range can only initialize variables', n.pos);
        }
        this.fail(`too many declarations in ${context}`, v.pos);
      }
      this.i = save;
      break;
    }
    const pipe: PipeNode = { type: 'pipe', pos: start.pos, decl, isAssign, cmds: [] };
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.type) {
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`, pipe.pos);
    // Only the first stage may be a literal: later stages receive the previous value as an argument.
    for (let i = 1; i < pipe.cmds.length; i++) {
      const first = pipe.cmds[i]!.args[0]!;
      switch (first.type) {
        case 'bool':
        case 'dot':
        case 'nil':
        case 'number':
        case 'string':
          this.fail(`non executable command in pipeline stage ${i + 1}`, first.pos);
      }
    }
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.backup();
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command', cmd.pos);
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().type !== 'field') return node;
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos: node.pos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { type: 'variable', pos: node.pos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(`unexpected . after term ${JSON.stringify(nodeText(node))}`, node.pos);
      default:
        return { type: 'chain', pos: node.pos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.hasFunction(t.val)) this.fail(`function ${JSON.stringify(t.val)} not defined`, t.pos);
        return { type: 'identifier', pos: t.pos, name: t.val };
      case 'dot':
        return { type: 'dot', pos: t.pos };
      case 'nil':
        return { type: 'nil', pos: t.pos };
      case 'variable':
        return this.useVar(t);
      case 'field':
        return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'number':
        return this.number(t);
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { type: 'string', pos: t.pos, quoted: t.val, text: this.unquote(t) } satisfies StringNode;
      default:
        this.backup();
        return undefined;
    }
  }

  private useVar(t: Token): ArgNode {
    const parts = t.val.split('.');
    const name = parts[0]!;
    if (!this.vars.includes(name)) this.fail(`undefined variable ${JSON.stringify(name)}`, t.pos);
    return { type: 'variable', pos: t.pos, ident: [name] };
  }

  // ---- literals -----------------------------------------------------------------------------------

  private unquote(t: Token): string {
    if (t.type === 'rawString') return t.val.slice(1, -1).replace(/\r/g, '');
    const s = unquoteGo(t.val);
    if (s === undefined) this.fail(`invalid syntax: ${t.val}`, t.pos);
    return s;
  }

  private number(t: Token): NumberNode {
    if (t.type === 'charConstant') {
      const s = unquoteGo(t.val);
      const cp = s === undefined ? undefined : s.codePointAt(0);
      if (s === undefined || cp === undefined || String.fromCodePoint(cp) !== s) {
        this.fail(`malformed character constant: ${t.val}`, t.pos);
      }
      return { type: 'number', pos: t.pos, text: t.val, isInt: true, isFloat: true, intValue: cp, floatValue: cp, goFloat: false };
    }
    const n = parseNumber(t.val);
    if (typeof n === 'string') this.fail(n, t.pos);
    return { type: 'number', pos: t.pos, text: t.val, ...n };
  }
}

function nodeText(n: ArgNode): string {
  switch (n.type) {
    case 'bool':
      return String(n.value);
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
    case 'nil':
      return 'nil';
    default:
      return '.';
  }
}

type NumberValue = Pick<NumberNode, 'isInt' | 'isFloat' | 'intValue' | 'floatValue' | 'goFloat'>;

/** Underscores may only separate digits (or follow a base prefix), as in Go literals. */
function underscoresOk(body: string): boolean {
  if (!body.includes('_')) return true;
  const digits = body.replace(/^0[xXoObB]_?/, '');
  return !/(^|[^0-9a-fA-F])_|_($|[^0-9a-fA-F])/.test(digits);
}

/** Go's number literal rules (`parse.newNumber`): returns the value or an error message. */
export function parseNumber(text: string): NumberValue | string {
  if (text.endsWith('i')) return `complex numbers are not supported: ${JSON.stringify(text)}`;
  const sign = text.startsWith('-') ? -1 : 1;
  const raw = text.replace(/^[+-]/, '');
  if (!underscoresOk(raw)) return `illegal number syntax: ${JSON.stringify(text)}`;
  const body = raw.replace(/_/g, '');
  let int: number | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) int = parseInt(body.slice(2), 16);
  else if (/^0[oO][0-7]+$/.test(body)) int = parseInt(body.slice(2), 8);
  else if (/^0[bB][01]+$/.test(body)) int = parseInt(body.slice(2), 2);
  else if (/^0[0-7]+$/.test(body)) int = parseInt(body, 8);
  else if (/^(0|[1-9][0-9]*)$/.test(body)) int = parseInt(body, 10);
  if (int !== undefined) {
    if (int >= 2 ** 63) return `integer overflow: ${JSON.stringify(text)}`;
    const v = sign * int;
    return { isInt: true, isFloat: true, intValue: v, floatValue: v, goFloat: false };
  }
  if (/^0[xX]/.test(body)) {
    // Hexadecimal floats (0x1p-2): rare enough in alert templates to leave out.
    return `hexadecimal floating-point literals are not supported: ${JSON.stringify(text)}`;
  }
  if (!/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) return `illegal number syntax: ${JSON.stringify(text)}`;
  // Digits only, yet not an integer above: a leading zero with 8 or 9 (Go says overflow too).
  if (!/[.eE]/.test(body)) return `integer overflow: ${JSON.stringify(text)}`;
  const f = sign * Number(body);
  if (!Number.isFinite(f)) return `illegal number syntax: ${JSON.stringify(text)}`;
  const isInt = Number.isInteger(f) && Math.abs(f) < 2 ** 63;
  // Written as a float, so Go gives it the type float64 even when its value is integral.
  return { isInt, isFloat: true, intValue: isInt ? f : 0, floatValue: f, goFloat: true };
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '"': 34,
  "'": 39,
};

/**
 * Go's `strconv.Unquote` for `"…"` and `'…'`: escapes \a \b \f \n \r \t \v \\ \" \' \xHH \ooo \uHHHH
 * \UHHHHHHHH. `\x` and octal escapes are bytes, so the result is decoded as UTF-8 at the end.
 */
export function unquoteGo(quoted: string): string | undefined {
  const q = quoted[0];
  if (quoted.length < 2 || quoted[quoted.length - 1] !== q) return undefined;
  const body = quoted.slice(1, -1);
  const bytes: number[] = [];
  const pushCodePoint = (cp: number): void => {
    for (const b of new TextEncoder().encode(String.fromCodePoint(cp))) bytes.push(b);
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === q) return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      if (cp < 0x80) bytes.push(cp);
      else pushCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      // \' only in character constants, \" only in strings.
      if ((e === "'" && q !== "'") || (e === '"' && q !== '"')) return undefined;
      bytes.push(simple);
      i += 2;
      continue;
    }
    if (e === 'x') {
      const h = body.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      bytes.push(parseInt(h, 16));
      i += 4;
      continue;
    }
    if (e >= '0' && e <= '7') {
      const o = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) return undefined;
      bytes.push(parseInt(o, 8));
      i += 4;
      continue;
    }
    if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const h = body.slice(i + 2, i + 2 + n);
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) return undefined;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      pushCodePoint(cp);
      i += 2 + n;
      continue;
    }
    return undefined;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
