/**
 * Templated configuration fields, compiled once per configuration and rendered per notification.
 * Plain strings (no `{{`) skip the template engine entirely. A field that fails at render time (a
 * template calling a function on a missing value, say) falls back to the given default rather than
 * losing the notification; the failure is reported through `onError`.
 */
import type { TemplateFile } from '../config/types.js';
import type { NotificationData } from './data.js';
import { type CompiledTemplate, TemplateSet, templateData } from './template/index.js';

export type Renderer = (d: NotificationData) => string;

export class FieldTemplates {
  private readonly set: TemplateSet;

  constructor(
    files: readonly TemplateFile[],
    private readonly onError: (field: string, message: string) => void = () => undefined,
  ) {
    this.set = new TemplateSet();
    for (const f of files) this.set.add(f.text, f.file);
  }

  /** A renderer for `source` (undefined stays undefined); `fallback` is used when rendering fails. */
  field(name: string, source: string | undefined, fallback?: Renderer): Renderer | undefined {
    if (source === undefined) return undefined;
    if (!source.includes('{{')) return () => source;
    const compiled: CompiledTemplate = this.set.compile(source, name);
    return (d) => {
      try {
        return compiled.execute(templateData(d));
      } catch (err) {
        this.onError(name, (err as Error).message);
        return fallback ? fallback(d) : '';
      }
    };
  }
}
