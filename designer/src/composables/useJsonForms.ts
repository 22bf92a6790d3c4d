// Lazy loader for JSON Forms (core + vue + vanilla renderers + the designer's own): the first property form pays for it, once.
import { createAjv } from '@flowdesk/schema';
import type { Component } from 'vue';

export interface LoadedJsonForms {
  JsonForms: Component;
  renderers: readonly unknown[];
  /** The same ajv configuration as the validator (discriminator, iso-duration), so field errors agree with it. */
  ajv: unknown;
}

let loading: Promise<LoadedJsonForms> | null = null;

export function loadJsonForms(): Promise<LoadedJsonForms> {
  loading ??= Promise.all([import('@jsonforms/vue'), import('@jsonforms/vue-vanilla'), import('../components/forms/jsonforms-renderers.ts')]).then(([vue, vanilla, own]) => ({
    JsonForms: vue.JsonForms as Component,
    // The designer's renderers (the duration picker) rank above the vanilla ones for the fields they handle.
    renderers: Object.freeze([...vanilla.vanillaRenderers, ...own.designerRenderers]),
    ajv: createAjv(),
  }));
  return loading;
}

/**
 * The schema JSON Forms renders: root-level anyOf/oneOf/allOf are cross-field rules (a wait needs a duration
 * or events) that no renderer can draw and that made JSON Forms recurse; the validator still reports them.
 */
export function renderableSchema<T extends object>(schema: T): T {
  const { anyOf: _a, oneOf: _o, allOf: _l, ...rest } = schema as Record<string, unknown>;
  return rest as T;
}
