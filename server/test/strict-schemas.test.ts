// Every route's input schemas are strict: each object with declared properties refuses unknown ones
// (additionalProperties: false), so a typo or an injected field is a 400 naming it, never silently kept.
// Free-form maps (custom fields, ticket data) have no declared properties and are checked downstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './api-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('strict_schemas');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

/** JSON pointers (inside the schema) of object schemas with properties but without additionalProperties: false. */
function looseObjects(schema: unknown, at = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((item, i) => looseObjects(item, `${at}/${i}`));
  if (schema === null || typeof schema !== 'object') return [];
  const node = schema as Record<string, unknown>;
  const own = node.properties !== undefined && node.additionalProperties !== false ? [at || '/'] : [];
  return [...own, ...Object.entries(node).flatMap(([key, child]) => looseObjects(child, `${at}/${key}`))];
}

describe('route input schemas', () => {
  it('cover every route, and no object in them accepts unknown properties', () => {
    const schemas = h.app.routeInputSchemas;
    expect(schemas.size).toBe(h.app.routeAccess.size);
    const loose: string[] = [];
    for (const [route, parts] of schemas) {
      for (const [part, schema] of Object.entries(parts)) for (const pointer of looseObjects(schema)) loose.push(`${route} ${part}${pointer}`);
    }
    expect(loose).toEqual([]);
  });

  it('every route that takes a body declares its schema, except the few whose action is the URL', () => {
    const bodyless = [...h.app.routeInputSchemas].filter(([route, parts]) => /^(POST|PUT|PATCH) /.test(route) && parts.body === undefined).map(([route]) => route);
    expect(bodyless.sort()).toEqual([...EXPECTED_BODYLESS].sort());
  });
});

const EXPECTED_BODYLESS = new Set<string>([
  'POST /api/auth/logout',
  'POST /api/auth/totp/setup',
  // Raw bytes: the HMAC is computed over them before the mapping validates the JSON (channels/webhooks).
  'POST /api/hooks/:sourceId',
  'POST /api/runs/:id/retry',
  'POST /api/users/:id/invite',
  'POST /api/webhook-endpoints/:id/deliveries/:deliveryId/retry',
]);
