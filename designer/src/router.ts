import { createRouter, createWebHistory } from 'vue-router';
import { enterSettingsHome, enterSettingsSection } from './pages/settings/sections.ts';

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
    { path: '/workflows/:id/migrate', name: 'workflow-migrate', component: () => import('./pages/MigrateRunsPage.vue'), props: true, meta: { title: 'Move runs' } },
    { path: '/workflows/:id', name: 'workflow', component: () => import('./pages/DesignerPage.vue'), props: true, meta: { title: 'Designer' } },
    { path: '/runs', name: 'runs', component: () => import('./pages/RunsPage.vue'), meta: { title: 'Runs' } },
    { path: '/runs/:id', name: 'run', component: () => import('./pages/RunPage.vue'), props: true, meta: { title: 'Run' } },
    { path: '/tickets', name: 'tickets', component: () => import('./pages/TicketsPage.vue'), meta: { title: 'Tickets' } },
    { path: '/tickets/:id', name: 'ticket', component: () => import('./pages/TicketPage.vue'), props: true, meta: { title: 'Ticket' } },
    { path: '/templates', name: 'templates', component: () => import('./pages/TemplatesPage.vue'), meta: { title: 'Templates' } },
    // Settings: one child route per section, each behind the permission the server needs for it (pages/settings/sections.ts).
    {
      path: '/settings',
      component: () => import('./pages/settings/SettingsLayout.vue'),
      meta: { title: 'Settings' },
      children: [
        { path: '', name: 'settings', component: () => import('./pages/settings/SettingsHomePage.vue'), beforeEnter: enterSettingsHome, meta: { title: 'Settings' } },
        { path: 'users', name: 'settings-users', component: () => import('./pages/settings/SettingsUsersPage.vue'), beforeEnter: enterSettingsSection, meta: { title: 'Users', permission: 'users.manage' } },
        { path: 'agents', name: 'settings-agents', component: () => import('./pages/settings/SettingsAgentsPage.vue'), beforeEnter: enterSettingsSection, meta: { title: 'Teams & agents', permission: 'directory.read' } },
        { path: 'sla', name: 'settings-sla', component: () => import('./pages/settings/SettingsSlaPage.vue'), beforeEnter: enterSettingsSection, meta: { title: 'SLA & business hours', permission: 'sla.read' } },
        { path: 'tokens', name: 'settings-tokens', component: () => import('./pages/settings/SettingsTokensPage.vue'), beforeEnter: enterSettingsSection, meta: { title: 'API tokens', permission: 'tokens.own' } },
        { path: 'webhooks', name: 'settings-webhooks', component: () => import('./pages/settings/SettingsWebhooksPage.vue'), beforeEnter: enterSettingsSection, meta: { title: 'Webhooks', permission: 'integrations.manage' } },
        { path: 'ai', name: 'settings-ai', component: () => import('./pages/settings/SettingsAiPage.vue'), beforeEnter: enterSettingsSection, meta: { title: 'AI', permission: 'settings.manage' } },
        { path: 'organisation', name: 'settings-organisation', component: () => import('./pages/settings/SettingsOrganisationPage.vue'), beforeEnter: enterSettingsSection, meta: { title: 'Organisation', permission: 'settings.manage' } },
        { path: 'audit', name: 'settings-audit', component: () => import('./pages/settings/SettingsAuditPage.vue'), beforeEnter: enterSettingsSection, meta: { title: 'Audit log', permission: 'audit.read' } },
      ],
    },
    { path: '/:pathMatch(.*)*', component: () => import('./pages/PlaceholderPage.vue'), props: { title: 'Page not found', text: 'There is nothing at this address.' } },
  ],
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'Flowdesk')} · Flowdesk`;
});
