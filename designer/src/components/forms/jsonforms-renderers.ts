// The designer's own JSON Forms renderers, ranked above the vanilla ones. Imported lazily with JSON Forms.
import {
  and,
  formatIs,
  isStringControl,
  rankWith,
  Resolve,
  type ControlElement,
  type JsonFormsRendererRegistryEntry,
  type JsonSchema,
  type Tester,
} from '@jsonforms/core';
import { rendererProps } from '@jsonforms/vue';
import { defineComponent } from 'vue';
import DurationControl from './DurationControl.vue';

/** ISO 8601 durations (`format: iso-duration`): wait durations, escalation timers. */
export const durationRendererEntry: JsonFormsRendererRegistryEntry = {
  renderer: DurationControl,
  tester: rankWith(10, and(isStringControl, formatIs('iso-duration'))),
};

/**
 * `businessHours` / `calendar` next to a duration (wait params, an escalation): the duration picker shows and
 * edits them (DurationControl), so their own controls render nothing.
 */
export const isDurationOption: Tester = (uischema, schema, context) => {
  if (uischema.type !== 'Control') return false;
  const scope = (uischema as ControlElement).scope;
  const m = /\/properties\/(businessHours|calendar)$/.exec(scope);
  if (!m) return false;
  const parentScope = scope.slice(0, -m[0].length) || '#';
  const parent = parentScope === '#' ? schema : Resolve.schema(schema, parentScope, context.rootSchema);
  return Object.values(parent?.properties ?? {}).some((p: JsonSchema) => p.format === 'iso-duration');
};

const DurationOptionControl = defineComponent({
  name: 'DurationOptionControl',
  props: { ...rendererProps<ControlElement>() },
  render: () => null,
});

export const durationOptionRendererEntry: JsonFormsRendererRegistryEntry = {
  renderer: DurationOptionControl,
  tester: rankWith(20, isDurationOption),
};

export const designerRenderers: JsonFormsRendererRegistryEntry[] = [durationRendererEntry, durationOptionRendererEntry];
