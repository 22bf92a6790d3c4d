// Which Settings sections a role sees, and where /settings and a forbidden section's address lead.
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteLocationNormalized } from 'vue-router';
import { applySession, resetSession } from '../../composables/useSession.ts';
import { ADMIN, AGENT } from '../../test/fetch-mock.ts';
import { enterSettingsHome, enterSettingsSection, visibleSections } from './sections.ts';

// The server's permissions of each role for the Settings sections (server/src/auth/permissions.ts).
const ADMIN_PERMS = [...ADMIN.permissions, 'users.manage', 'directory.read', 'directory.write', 'sla.read', 'sla.write', 'integrations.manage', 'audit.read', 'settings.manage', 'tokens.own'];
const MANAGER_PERMS = [...ADMIN.permissions, 'directory.read', 'directory.write', 'sla.read', 'sla.write', 'tokens.own'];
const AGENT_PERMS = [...AGENT.permissions, 'directory.read', 'sla.read', 'tokens.own'];
const to = (permission: string) => ({ meta: { permission } }) as unknown as RouteLocationNormalized;

afterEach(() => resetSession());

describe('Settings sections', () => {
  it('shows each role the sections its permissions allow', () => {
    applySession({ ...ADMIN, permissions: ADMIN_PERMS });
    expect(visibleSections().map((s) => s.path)).toEqual(['users', 'agents', 'sla', 'tokens', 'webhooks', 'ai', 'organisation', 'audit']);
    applySession({ ...ADMIN, user: { ...ADMIN.user, role: 'manager' }, permissions: MANAGER_PERMS });
    expect(visibleSections().map((s) => s.path)).toEqual(['agents', 'sla', 'tokens']);
    applySession({ ...AGENT, permissions: AGENT_PERMS });
    expect(visibleSections().map((s) => s.path)).toEqual(['agents', 'sla', 'tokens']);
  });

  it('/settings opens the first allowed section, or stays to say there is none', () => {
    applySession({ ...ADMIN, permissions: ADMIN_PERMS });
    expect(enterSettingsHome()).toEqual({ path: '/settings/users', replace: true });
    applySession({ ...AGENT, permissions: AGENT_PERMS });
    expect(enterSettingsHome()).toEqual({ path: '/settings/agents', replace: true });
    applySession({ ...AGENT, permissions: ['workflows.read'] });
    expect(enterSettingsHome()).toBe(true);
  });

  it('a section without its permission goes back to /settings', () => {
    applySession({ ...AGENT, permissions: AGENT_PERMS });
    expect(enterSettingsSection(to('users.manage'))).toEqual({ path: '/settings', replace: true });
    expect(enterSettingsSection(to('audit.read'))).toEqual({ path: '/settings', replace: true });
    expect(enterSettingsSection(to('sla.read'))).toBe(true);
  });
});
