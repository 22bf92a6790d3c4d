// The designer's own JSON Forms renderers, ranked above the vanilla ones. Imported lazily with JSON Forms.
import { and, formatIs, isStringControl, rankWith, type JsonFormsRendererRegistryEntry } from '@jsonforms/core';
import DurationControl from './DurationControl.vue';

/** ISO 8601 durations (`format: iso-duration`): wait durations, escalation timers. */
export const durationRendererEntry: JsonFormsRendererRegistryEntry = {
  renderer: DurationControl,
  tester: rankWith(10, and(isStringControl, formatIs('iso-duration'))),
};

export const designerRenderers: JsonFormsRendererRegistryEntry[] = [durationRendererEntry];
