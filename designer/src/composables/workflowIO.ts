// Import and export of workflows: the definition as JSON (what the API stores), the compiled machine as
// XState JSON (packages/engine's exportXState, the same code the server runs), and reading a definition
// file back with the same validateDefinition the designer's live validation uses.
import { exportXState } from '@flowdesk/engine';
import { validateDefinition, type ValidationIssue, type WorkflowDefinition } from '@flowdesk/schema';

export interface ExportFile {
  filename: string;
  text: string;
}

/** The definition as the API stores it, pretty-printed: `<key>.workflow.json`. */
export function definitionFile(definition: WorkflowDefinition): ExportFile {
  return { filename: `${definition.key}.workflow.json`, text: `${JSON.stringify(definition, null, 2)}\n` };
}

/** The compiled XState machine config: `<key>.xstate.json`. Throws when the definition does not compile (fix its errors first). */
export function xstateFile(definition: WorkflowDefinition): ExportFile {
  return { filename: `${definition.key}.xstate.json`, text: `${JSON.stringify(exportXState(definition), null, 2)}\n` };
}

/** Offers a file for download (an object URL on a temporary link). */
export function downloadFile(file: ExportFile, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([file.text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export type ImportResult =
  | { ok: true; definition: WorkflowDefinition; warnings: ValidationIssue[] }
  | { ok: false; errors: Pick<ValidationIssue, 'path' | 'message'>[] };

/** Files larger than this are refused before parsing (a definition of MAX_NODES nodes is far smaller). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/**
 * Reads a workflow definition from the text of a file: plain JSON of a definition, or an object that wraps
 * one (`{ "definition": … }`, as `GET /api/workflows/:id/versions/:n` answers inside `version`). The result
 * is valid for the server, or the list of reasons it is not.
 */
export function parseDefinitionText(text: string): ImportResult {
  if (text.length > MAX_IMPORT_BYTES) return { ok: false, errors: [{ path: '', message: `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB.` }] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `The file is not JSON: ${(err as Error).message}` }] };
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>;
    if (!('nodes' in o) && o.definition && typeof o.definition === 'object') doc = o.definition;
    else if (!('nodes' in o) && o.version && typeof o.version === 'object' && 'definition' in (o.version as object)) doc = (o.version as { definition: unknown }).definition;
  }
  if (doc && typeof doc === 'object' && !Array.isArray(doc) && 'states' in doc && !('nodes' in doc)) {
    return { ok: false, errors: [{ path: '', message: 'This is an XState export; import the workflow definition JSON instead (Export → Definition JSON).' }] };
  }
  const result = validateDefinition(doc);
  if (!result.valid) return { ok: false, errors: result.errors.map(({ path, message }) => ({ path, message })) };
  return { ok: true, definition: doc as WorkflowDefinition, warnings: result.warnings };
}

/** `base` when no workflow uses it yet, else `base-2`, `base-3`… (kept within the 64 characters a key may have). */
export function uniqueKey(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const clean = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 64) || 'workflow';
  if (!used.has(clean)) return clean;
  for (let i = 2; ; i++) {
    const suffix = `-${i}`;
    const candidate = `${clean.slice(0, 64 - suffix.length)}${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
}
