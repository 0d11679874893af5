/**
 * The parse tree: the shapes of Go's `text/template/parse` nodes, reduced to what execution needs.
 * Every node keeps its source offset so that execution errors can say where they happened.
 */
import type { LineIndex } from './errors.js';

/** Where a tree came from, for error positions. */
export interface SourceInfo {
  readonly parseName: string;
  readonly lines: LineIndex;
}

export interface ListNode {
  readonly type: 'list';
  readonly pos: number;
  readonly nodes: Node[];
}

export interface TextNode {
  readonly type: 'text';
  readonly pos: number;
  readonly text: string;
}

export interface ActionNode {
  readonly type: 'action';
  readonly pos: number;
  readonly pipe: PipeNode;
}

export interface PipeNode {
  readonly type: 'pipe';
  readonly pos: number;
  /** Declared or assigned variable names (`$x`), in order. */
  readonly decl: string[];
  /** `=` rather than `:=`. */
  readonly isAssign: boolean;
  readonly cmds: CommandNode[];
}

export interface CommandNode {
  readonly type: 'command';
  readonly pos: number;
  readonly args: ArgNode[];
}

/** `.A.B`: a field chain from dot. */
export interface FieldNode {
  readonly type: 'field';
  readonly pos: number;
  readonly ident: string[];
}

/** `$x.A.B`: a variable with an optional field chain; `ident[0]` is the variable name. */
export interface VariableNode {
  readonly type: 'variable';
  readonly pos: number;
  readonly ident: string[];
}

/** `(pipeline).A.B`: fields applied to the result of a term that is neither a field nor a variable. */
export interface ChainNode {
  readonly type: 'chain';
  readonly pos: number;
  readonly node: ArgNode;
  readonly field: string[];
}

export interface IdentifierNode {
  readonly type: 'identifier';
  readonly pos: number;
  readonly name: string;
}

export interface DotNode {
  readonly type: 'dot';
  readonly pos: number;
}

export interface NilNode {
  readonly type: 'nil';
  readonly pos: number;
}

export interface BoolNode {
  readonly type: 'bool';
  readonly pos: number;
  readonly value: boolean;
}

export interface NumberNode {
  readonly type: 'number';
  readonly pos: number;
  /** As written. */
  readonly text: string;
  /** Integral value when the literal is an integer (or a float with an integral value). */
  readonly isInt: boolean;
  readonly isFloat: boolean;
  readonly intValue: number;
  readonly floatValue: number;
  /** Go gives a literal the type int unless it is written as a float (`.`, `e`, `p`) and is not a rune. */
  readonly goFloat: boolean;
}

export interface StringNode {
  readonly type: 'string';
  readonly pos: number;
  /** As written, with its quotes. */
  readonly quoted: string;
  readonly text: string;
}

export interface IfNode {
  readonly type: 'if' | 'with';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}

export interface RangeNode {
  readonly type: 'range';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | undefined;
}

export interface BreakNode {
  readonly type: 'break' | 'continue';
  readonly pos: number;
}

export interface TemplateNode {
  readonly type: 'template';
  readonly pos: number;
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}

export type ArgNode =
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;

export type Node = ListNode | TextNode | ActionNode | IfNode | RangeNode | BreakNode | TemplateNode;

/** One named template: the body of a `define`, a `block`, or the top level of a source. */
export interface Tree {
  readonly name: string;
  readonly root: ListNode;
  readonly source: SourceInfo;
}

/** A tree holding nothing but white space text (Go's `IsEmptyTree`): it never replaces a real definition. */
export function isEmptyTree(list: ListNode): boolean {
  for (const n of list.nodes) {
    if (n.type !== 'text' || n.text.trim() !== '') return false;
  }
  return true;
}

/** The node written back as template source, for error messages (`at <.Alerts.Firing>`). */
export function nodeString(n: ArgNode | CommandNode | Node): string {
  switch (n.type) {
    case 'field':
      return '.' + n.ident.join('.');
    case 'variable':
      return n.ident.join('.');
    case 'chain': {
      const inner = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return inner + '.' + n.field.join('.');
    }
    case 'identifier':
      return n.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(n.value);
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) s = n.decl.join(', ') + (n.isAssign ? ' = ' : ' := ');
      return s + n.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'text':
      return n.text;
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'if':
    case 'with':
    case 'range':
      return `{{${n.type} ${nodeString(n.pipe)}}}`;
    case 'break':
    case 'continue':
      return `{{${n.type}}}`;
    case 'template':
      return `{{template ${JSON.stringify(n.name)}${n.pipe ? ' ' + nodeString(n.pipe) : ''}}}`;
  }
}
