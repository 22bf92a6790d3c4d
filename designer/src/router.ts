import { createRouter, createWebHistory } from 'vue-router';

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: '/workflows' },
    // The pages open without a session; `bare` renders them without the shell (see App.vue).
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue'), meta: { title: 'Sign in', public: true, bare: true } },
    { path: '/forgot-password', name: 'forgot-password', component: () => import('./pages/ForgotPasswordPage.vue'), meta: { title: 'Reset your password', public: true, bare: true } },
    { path: '/reset-password', name: 'reset-password', component: () => import('./pages/ResetPasswordPage.vue'), meta: { title: 'Choose a new password', public: true, bare: true } },
    // The customer portal: its own layout; customers signed in anywhere else are sent here (useSession.ts).
    {
      path: '/portal',
      component: () => import('./pages/portal/PortalLayout.vue'),
      meta: { portal: true, bare: true, title: 'Support' },
      children: [
        { path: '', name: 'portal', component: () => import('./pages/portal/PortalHomePage.vue'), meta: { title: 'My requests' } },
        { path: 'new', name: 'portal-new', component: () => import('./pages/portal/PortalNewRequestPage.vue'), meta: { title: 'New request', portalAuth: true } },
        { path: 'tickets/:id', name: 'portal-ticket', component: () => import('./pages/portal/PortalTicketPage.vue'), props: true, meta: { title: 'Request', portalAuth: true } },
      ],
    },
    { path: '/account', name: 'account', component: () => import('./pages/AccountPage.vue'), meta: { title: 'Account' } },
    { path: '/workflows', name: 'workflows', component: () => import('./pages/WorkflowsPage.vue'), meta: { title: 'Workflows' } },
    { path: '/workflows/:id/versions', name: 'workflow-versions', component: () => import('./pages/VersionsPage.vue'), props: true, meta: { title: 'Versions' } },
    { path: '/workflows/:id', name: 'workflow', component: () => import('./pages/DesignerPage.vue'), props: true, meta: { title: 'Designer' } },
    { path: '/runs', name: 'runs', component: () => import('./pages/RunsPage.vue'), meta: { title: 'Runs' } },
    { path: '/runs/:id', name: 'run', component: () => import('./pages/RunPage.vue'), props: true, meta: { title: 'Run' } },
    {
      path: '/tickets',
      component: () => import('./pages/PlaceholderPage.vue'),
      props: { title: 'Tickets', issue: 'the ticketing issue', text: 'The agent inbox, ticket threads and the forms each workflow step generates will live here. Until then, create tickets through the API (POST /api/tickets); their runs show up under Runs.' },
      meta: { title: 'Tickets' },
    },
    { path: '/templates', name: 'templates', component: () => import('./pages/TemplatesPage.vue'), meta: { title: 'Templates' } },
    {
      path: '/settings',
      component: () => import('./pages/PlaceholderPage.vue'),
      props: { title: 'Settings', issue: 'the security issue', text: 'Users, roles, teams, API tokens, AI providers and business hours will be configured here.' },
      meta: { title: 'Settings' },
    },
    { path: '/:pathMatch(.*)*', component: () => import('./pages/PlaceholderPage.vue'), props: { title: 'Page not found', text: 'There is nothing at this address.' } },
  ],
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'Flowdesk')} · Flowdesk`;
});
