// "Add as test case" on the run inspector: a migrated run is refused by the server (409, the message names the
// migration); the button shows that message as an explanation, not as a failure toast, and changes no draft.
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { applySession, resetSession } from '../../composables/useSession.ts';
import { useToasts } from '../../composables/useToasts.ts';
import { ADMIN, apiError, mockFetch } from '../../test/fetch-mock.ts';
import AddRunAsCaseButton from './AddRunAsCaseButton.vue';

const MESSAGE =
  'run r1 was moved to another workflow version (version 1 → 2 at history #3 (node "review" → "sign_off")): a test case replays one version from the ticket, ' +
  "and this run's history spans two, so it cannot be turned into a test case. Use a run that started on the current version, or record the case in the simulator.";

beforeEach(() => resetSession());
afterEach(() => {
  vi.unstubAllGlobals();
  useToasts().toasts.splice(0);
});

async function mountButton() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: defineComponent({ template: '<div />' }) }] });
  applySession(ADMIN);
  await router.push('/runs/r1');
  return mount(AddRunAsCaseButton, { props: { runId: 'r1' }, global: { plugins: [router] } });
}

describe('AddRunAsCaseButton', () => {
  it('shows the server\'s refusal for a migrated run, naming the migration, and writes nothing', async () => {
    const calls = mockFetch((call) =>
      call.url === '/api/runs/r1/test-case' ? apiError(409, 'FD_CONFLICT', MESSAGE, [{ path: '/params/id', message: '/params/id: migrated version 1 → 2 at history #3' }]) : apiError(500, 'FD_INTERNAL', 'unexpected'),
    );
    const w = await mountButton();
    await w.get('button').trigger('click');
    await flushPromises();
    const note = w.get('[data-testid="run-case-refused"]');
    expect(note.attributes('role')).toBe('alert');
    expect(note.text()).toContain('This run cannot become a test case.');
    expect(note.text()).toContain('version 1 → 2 at history #3');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/runs/r1/test-case']);
    expect(useToasts().toasts.filter((t) => t.kind === 'error')).toEqual([]);
  });

  it('other failures stay errors (toast and message)', async () => {
    mockFetch(() => apiError(500, 'FD_INTERNAL', 'internal server error; the details are in the server log'));
    const w = await mountButton();
    await w.get('button').trigger('click');
    await flushPromises();
    expect(w.find('[data-testid="run-case-refused"]').exists()).toBe(false);
    expect(w.get('.arc-note.bad').text()).toContain('internal server error');
  });
});
