/**
 * The two ways a template fails, kept apart because they happen at different times: a `TemplateError`
 * is thrown while compiling (configuration load) and a `TemplateExecError` while rendering one
 * notification. Callers treat them differently: the first rejects the configuration, the second fails one
 * notification (Alertmanager logs it and the notify attempt fails).
 *
 * Messages follow Go's shape (`template: NAME:LINE:COL: …`) so that people who know Alertmanager's logs
 * recognise them. Lines and columns are 1-based and count UTF-16 code units (Go counts bytes).
 */

/** Where something is in a template source. */
export interface SourcePosition {
  /** The name the source was parsed under (a file name, or the template name for inline text). */
  readonly parseName: string;
  readonly line: number;
  readonly col: number;
}

/** A template that does not parse (or redefines a template twice in one source). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    /** The message without the location prefix. */
    readonly detail: string,
    readonly position: SourcePosition,
  ) {
    super(`template: ${position.parseName}:${position.line}:${position.col}: ${detail}`);
  }

  get line(): number {
    return this.position.line;
  }

  get col(): number {
    return this.position.col;
  }
}

/** A template that parsed but failed while rendering. */
export class TemplateExecError extends Error {
  override readonly name: string = 'TemplateExecError';
  constructor(
    readonly detail: string,
    /** The template (define name) being executed when it failed. */
    readonly templateName: string,
    readonly position: SourcePosition | undefined,
    /** The failing node as written, for example `.Alerts.Firing`. */
    readonly context: string | undefined,
  ) {
    const where = position ? `${position.parseName}:${position.line}:${position.col}: ` : '';
    const at = context !== undefined ? ` at <${context}>` : '';
    super(`template: ${where}executing "${templateName}"${at}: ${detail}`);
  }
}

/** A template that ran past a configured limit (output size, step budget or nesting depth). */
export class TemplateLimitError extends TemplateExecError {
  override readonly name = 'TemplateLimitError';
  constructor(
    readonly limit: 'maxOutput' | 'maxSteps' | 'maxDepth',
    detail: string,
    templateName: string,
    position: SourcePosition | undefined,
    context: string | undefined,
  ) {
    super(detail, templateName, position, context);
  }
}

/**
 * Thrown by function and method implementations for what Go returns as an `error`; the executor adds
 * the location (`error calling NAME: …`).
 */
export class GoError extends Error {
  override readonly name = 'GoError';
}

/** Line-start table for turning offsets into line:col without rescanning the source each time. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  position(parseName: string, offset: number): SourcePosition {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { parseName, line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
}
