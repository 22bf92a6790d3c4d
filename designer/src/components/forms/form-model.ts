// The form builder's model: an ordered list of fields that becomes a form of the definition
// ({ title, schema: JSON Schema draft-07, uiSchema: JSON Forms layout }) and is read back from one. Keywords
// the builder does not edit (minimum, maxLength, a custom pattern...) are kept on their field, and
// properties it cannot edit at all (objects, arrays) are kept as they are, so opening a form written by hand
// and saving it changes nothing but what was edited.
import type { FormDefinition } from '@flowdesk/schema';

export const FIELD_TYPES = [
  { type: 'text', label: 'Text', hint: 'One line of text' },
  { type: 'longText', label: 'Long text', hint: 'Several lines' },
  { type: 'number', label: 'Number', hint: 'Any number' },
  { type: 'boolean', label: 'Yes / no', hint: 'A checkbox' },
  { type: 'choice', label: 'Choice', hint: 'One of a list of options' },
  { type: 'date', label: 'Date', hint: 'A calendar date' },
] as const;

export type FieldType = (typeof FIELD_TYPES)[number]['type'] | 'custom';

export interface FormField {
  /** Property name in the submitted data (and in `results` of the task). */
  key: string;
  type: FieldType;
  label: string;
  description?: string;
  required: boolean;
  /** Choice options, in order. */
  options?: string[];
  /** Schema keywords the builder keeps but does not edit; for `custom`, the whole property schema. */
  extra?: Record<string, unknown>;
}

export interface FormModel {
  title: string;
  fields: FormField[];
}

export const FIELD_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

type Json = Record<string, unknown>;
const MANAGED = new Set(['type', 'title', 'description', 'enum', 'format']);

function fieldSchema(field: FormField): Json {
  if (field.type === 'custom') return { ...(field.extra ?? {}) };
  const base: Json = { ...(field.extra ?? {}) };
  switch (field.type) {
    case 'text':
    case 'longText':
      base.type = 'string';
      break;
    case 'number':
      base.type = base.type === 'integer' ? 'integer' : 'number';
      break;
    case 'boolean':
      base.type = 'boolean';
      break;
    case 'choice': {
      base.type = 'string';
      const options = [...new Set((field.options ?? []).map((o) => o.trim()).filter(Boolean))];
      if (options.length) base.enum = options;
      break;
    }
    case 'date':
      base.type = 'string';
      base.format = 'date';
      break;
  }
  const schema: Json = { type: base.type };
  if (field.label.trim()) schema.title = field.label.trim();
  if (field.description?.trim()) schema.description = field.description.trim();
  return { ...schema, ...base };
}

/** The form as stored in the definition: JSON Schema of the data and a vertical JSON Forms layout. */
export function buildForm(model: FormModel): FormDefinition {
  const properties: Json = {};
  const required: string[] = [];
  const elements: Json[] = [];
  for (const field of model.fields) {
    properties[field.key] = fieldSchema(field);
    if (field.required) required.push(field.key);
    const control: Json = { type: 'Control', scope: `#/properties/${field.key}` };
    if (field.type === 'longText') control.options = { multi: true };
    elements.push(control);
  }
  const schema: Json = { type: 'object', properties, ...(required.length ? { required } : {}) };
  return {
    ...(model.title.trim() ? { title: model.title.trim() } : {}),
    schema,
    uiSchema: { type: 'VerticalLayout', elements },
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The builder's fields of a stored form (in the order of its layout, else of its properties). */
export function readForm(form: FormDefinition | undefined): FormModel {
  const schema = isObject(form?.schema) ? form.schema : {};
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  const controls = new Map<string, Json>();
  const elements = isObject(form?.uiSchema) && Array.isArray(form.uiSchema.elements) ? form.uiSchema.elements : [];
  for (const el of elements) {
    if (isObject(el) && typeof el.scope === 'string' && el.scope.startsWith('#/properties/')) controls.set(el.scope.slice('#/properties/'.length), el);
  }
  const order = [...[...controls.keys()].filter((k) => k in properties), ...Object.keys(properties).filter((k) => !controls.has(k))];
  const fields = order.map((key): FormField => {
    const prop = isObject(properties[key]) ? properties[key] : {};
    const extra = Object.fromEntries(Object.entries(prop).filter(([k]) => !MANAGED.has(k)));
    const label = typeof prop.title === 'string' ? prop.title : '';
    const description = typeof prop.description === 'string' ? prop.description : undefined;
    const common = { key, label, ...(description ? { description } : {}), required: required.has(key) };
    const options = isObject(controls.get(key)?.options) ? (controls.get(key)!.options as Json) : {};
    const withExtra = (f: FormField): FormField => (Object.keys(extra).length ? { ...f, extra } : f);
    if (prop.type === 'string' && Array.isArray(prop.enum) && prop.enum.every((o) => typeof o === 'string') && prop.format === undefined) {
      return withExtra({ ...common, type: 'choice', options: prop.enum as string[] });
    }
    if (prop.type === 'string' && prop.enum === undefined && prop.format === 'date') return withExtra({ ...common, type: 'date' });
    if (prop.type === 'string' && prop.enum === undefined && prop.format === undefined) return withExtra({ ...common, type: options.multi === true ? 'longText' : 'text' });
    if ((prop.type === 'number' || prop.type === 'integer') && prop.enum === undefined && prop.format === undefined) {
      return { ...common, type: 'number', ...(prop.type === 'integer' ? { extra: { ...extra, type: 'integer' } } : Object.keys(extra).length ? { extra } : {}) };
    }
    if (prop.type === 'boolean' && prop.enum === undefined && prop.format === undefined) return withExtra({ ...common, type: 'boolean' });
    return { ...common, type: 'custom', extra: { ...prop } };
  });
  return { title: typeof form?.title === 'string' ? form.title : '', fields };
}

/** A property name for a new field: from its label ("Refund amount" -> "refundAmount"), unique in the form. */
export function fieldKey(label: string, taken: Iterable<string>): string {
  const words = label.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, ' ').trim().split(' ').filter(Boolean);
  let base = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('');
  base = base.replace(/^[^A-Za-z]+/, '').slice(0, 56) || 'field';
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}

/** What is wrong with a field as the builder sees it (the validator checks the schema itself). */
export function fieldProblems(field: FormField, fields: readonly FormField[]): string[] {
  const problems: string[] = [];
  if (!FIELD_KEY_PATTERN.test(field.key)) problems.push('The key must start with a letter and contain only letters, digits and "_".');
  if (fields.filter((f) => f.key === field.key).length > 1) problems.push(`Another field already uses the key "${field.key}".`);
  if (field.type !== 'custom' && !field.label.trim()) problems.push('Give the field a label.');
  if (field.type === 'choice' && !(field.options ?? []).some((o) => o.trim())) problems.push('Add at least one option.');
  return problems;
}

export function newField(type: Exclude<FieldType, 'custom'>, fields: readonly FormField[]): FormField {
  const label = FIELD_TYPES.find((t) => t.type === type)!.label;
  const field: FormField = { key: fieldKey(label, fields.map((f) => f.key)), type, label, required: false };
  if (type === 'choice') field.options = ['Option 1', 'Option 2'];
  return field;
}

export function moveField(fields: readonly FormField[], index: number, delta: number): FormField[] {
  const to = index + delta;
  if (index < 0 || index >= fields.length || to < 0 || to >= fields.length) return [...fields];
  const next = [...fields];
  const [moved] = next.splice(index, 1);
  next.splice(to, 0, moved!);
  return next;
}

/** A form key for a new form of the definition ("refund_form", "refund_form_2"...). */
export function formKey(base: string, taken: Iterable<string>): string {
  const clean = base.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z]+/, '').slice(0, 56) || 'form';
  const used = new Set(taken);
  if (!used.has(clean)) return clean;
  for (let i = 2; ; i++) if (!used.has(`${clean}_${i}`)) return `${clean}_${i}`;
}
