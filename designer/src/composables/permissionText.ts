// What each permission (and so each API-token scope) allows, in words, for the account page. The server's
// table (server/src/auth/permissions.ts) is the authority on who has what; this only labels the names the
// session lists, and a name missing here is shown as it is.
export const PERMISSION_TEXT: Readonly<Record<string, string>> = {
  'workflows.read': 'See workflows, versions and the node catalog',
  'workflows.write': 'Create workflows and edit drafts',
  'workflows.publish': 'Publish a workflow version',
  'runs.read': 'See runs and their history',
  'runs.write': 'Start runs, send events, retry stuck runs',
  'tickets.read': 'Read and search tickets',
  'tickets.write': 'Create tickets, reply, add notes, change fields',
  'tickets.internal': 'Read internal notes',
  'tickets.all_teams': "See every team's tickets",
  'customers.read': 'Read customers and their identities',
  'customers.write': 'Create customers and add identities',
  'customers.merge': 'Merge two customers',
  'customers.export': 'Export everything about a customer (GDPR)',
  'customers.erase': 'Erase a customer (GDPR)',
  'directory.read': 'See teams and agents',
  'directory.write': 'Create and change teams and agents',
  'kb.read': 'Read knowledge-base articles',
  'kb.write': 'Write knowledge-base articles',
  'macros.read': 'See macros',
  'macros.write': 'Create and change macros',
  'sla.read': 'See calendars and SLA policies',
  'sla.write': 'Change calendars and SLA policies',
  'integrations.manage': 'Webhook sources, endpoints, delivery log',
  'users.manage': 'Create users, change roles, disable accounts',
  'audit.read': 'Read and verify the audit log',
  'settings.manage': 'Retention, secrets, organisation settings',
  'tokens.own': 'Create and revoke your own API tokens',
  portal: 'The customer portal',
};

export function permissionText(name: string): string {
  return PERMISSION_TEXT[name] ?? '';
}
