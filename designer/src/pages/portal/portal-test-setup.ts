// The portal's routes as the app has them (layout + children, guarded by installSession), for its tests.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { installSession } from '../../composables/useSession.ts';
import { mockFetch, type Answer, type FetchCall } from '../../test/fetch-mock.ts';
import PortalHomePage from './PortalHomePage.vue';
import PortalLayout from './PortalLayout.vue';
import PortalNewRequestPage from './PortalNewRequestPage.vue';
import PortalTicketPage from './PortalTicketPage.vue';

const Stub = defineComponent({ template: '<div data-testid="designer-page" />' });

export interface PortalHarness {
  wrapper: VueWrapper;
  router: Router;
  calls: FetchCall[];
  unmount: () => void;
}

export async function mountPortal(path: string, answer: (call: FetchCall) => Answer | Promise<Answer>): Promise<PortalHarness> {
  const calls = mockFetch(answer);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: Stub, meta: { public: true } },
      { path: '/workflows', component: Stub },
      {
        path: '/portal',
        component: PortalLayout,
        meta: { portal: true },
        children: [
          { path: '', name: 'portal', component: PortalHomePage },
          { path: 'new', name: 'portal-new', component: PortalNewRequestPage, meta: { portalAuth: true } },
          { path: 'tickets/:id', name: 'portal-ticket', component: PortalTicketPage, props: true, meta: { portalAuth: true } },
        ],
      },
    ],
  });
  const uninstall = installSession(router);
  await router.push(path);
  await router.isReady();
  const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  return {
    wrapper,
    router,
    calls,
    unmount: () => {
      wrapper.unmount();
      uninstall();
    },
  };
}
