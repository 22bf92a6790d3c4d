// Teams and agents: minimal create / list / read / change, with skills, capacity, active, working hours
// (calendarId) and membership.
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Transaction } from 'kysely';
import { Type } from 'typebox';
import type { Database } from '../../db/types.ts';
import { invalidInput, notFound } from '../../errors.ts';
import { normaliseIdentity } from '../../ticketing/index.ts';
import type { ApiDeps } from '../deps.ts';
import { IdParams, withErrors } from '../schemas.ts';
import { iso } from '../serialize.ts';
import { AgentSchema, CreateAgentBody, CreateTeamBody, TeamSchema, UpdateAgentBody, UpdateTeamBody } from '../ticketing-schemas.ts';
import { toAgent } from '../ticketing-serialize.ts';
import { organisationOf, rejectNul, withRequestPaths } from './ticketing-common.ts';

const AgentResponse = Type.Object({ agent: AgentSchema }, { additionalProperties: false });
const TeamResponse = Type.Object({ team: TeamSchema }, { additionalProperties: false });

async function checkIds(request: FastifyRequest, trx: Transaction<Database>, table: 'agents' | 'teams', ids: readonly string[], path: string) {
  if (ids.length === 0) return;
  const found = await trx.selectFrom(table).select('id').where('id', 'in', [...ids]).where('organisation_id', '=', organisationOf(request)).execute();
  const known = new Set(found.map((r) => r.id));
  const missing = ids.findIndex((id) => !known.has(id));
  if (missing >= 0) throw invalidInput(`${path}/${missing}: does not exist`, [{ path: `${path}/${missing}`, message: `${path}/${missing}: does not exist` }]);
}

/** An agent's working-hours calendar must be one of the organisation's calendars. */
async function checkCalendar(request: FastifyRequest, trx: Transaction<Database>, calendarId: string | null | undefined) {
  if (!calendarId) return;
  const found = await trx.selectFrom('calendars').select('id').where('id', '=', calendarId).where('organisation_id', '=', organisationOf(request)).executeTakeFirst();
  if (!found) throw invalidInput('/body/calendarId: no such calendar in this organisation', [{ path: '/body/calendarId', message: '/body/calendarId: no such calendar in this organisation' }]);
}

export const teamRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.addHook('preValidation', rejectNul);
  const tags = ['teams'];
  async function teamDto(request: FastifyRequest, id: string) {
    const team = await db.selectFrom('teams').selectAll().where('id', '=', id).where('organisation_id', '=', organisationOf(request)).executeTakeFirst();
    if (!team) throw notFound('team', id);
    const members = await db.selectFrom('team_members').select('agent_id').where('team_id', '=', id).orderBy('agent_id').execute();
    return { id: team.id, name: team.name, agentIds: members.map((m) => m.agent_id), createdAt: iso(team.created_at) };
  }

  app.post('/', { config: { access: 'directory.write' }, schema: { tags, summary: 'Create a team', body: CreateTeamBody, response: withErrors({ 201: TeamResponse }) } }, async (request, reply) => {
    const id = await db.transaction().execute(async (trx) => {
      await checkIds(request, trx, 'agents', request.body.agentIds ?? [], '/body/agentIds');
      const team = await trx.insertInto('teams').values({ organisation_id: organisationOf(request), name: request.body.name }).returning('id').executeTakeFirstOrThrow();
      if (request.body.agentIds?.length) await trx.insertInto('team_members').values(request.body.agentIds.map((agent_id) => ({ team_id: team.id, agent_id }))).execute();
      return team.id;
    });
    return reply.code(201).send({ team: await teamDto(request, id) });
  });

  app.get('/', { config: { access: 'directory.read' }, schema: { tags, summary: 'List teams', response: withErrors({ 200: Type.Object({ teams: Type.Array(TeamSchema) }, { additionalProperties: false }) }) } }, async (request) => {
    const teams = await db.selectFrom('teams').select('id').where('organisation_id', '=', organisationOf(request)).orderBy('name').limit(1000).execute();
    return { teams: await Promise.all(teams.map((t) => teamDto(request, t.id))) };
  });

  app.get('/:id', { config: { access: 'directory.read' }, schema: { tags, summary: 'Get a team', params: IdParams, response: withErrors({ 200: TeamResponse }) } }, async (request) => ({ team: await teamDto(request, request.params.id) }));

  app.patch('/:id', { config: { access: 'directory.write' }, schema: { tags, summary: 'Change a team (agentIds replaces the members)', params: IdParams, body: UpdateTeamBody, response: withErrors({ 200: TeamResponse }) } }, async (request) => {
    await teamDto(request, request.params.id);
    await db.transaction().execute(async (trx) => {
      if (request.body.name !== undefined) await trx.updateTable('teams').set({ name: request.body.name }).where('id', '=', request.params.id).execute();
      if (request.body.agentIds !== undefined) {
        await checkIds(request, trx, 'agents', request.body.agentIds, '/body/agentIds');
        await trx.deleteFrom('team_members').where('team_id', '=', request.params.id).execute();
        if (request.body.agentIds.length) await trx.insertInto('team_members').values(request.body.agentIds.map((agent_id) => ({ team_id: request.params.id, agent_id }))).execute();
      }
    });
    return { team: await teamDto(request, request.params.id) };
  });
};

export const agentRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.addHook('preValidation', rejectNul);
  const tags = ['agents'];
  async function agentDto(request: FastifyRequest, id: string) {
    const agent = await db.selectFrom('agents').selectAll().where('id', '=', id).where('organisation_id', '=', organisationOf(request)).executeTakeFirst();
    if (!agent) throw notFound('agent', id);
    const teams = await db.selectFrom('team_members').select('team_id').where('agent_id', '=', id).orderBy('team_id').execute();
    return toAgent(agent, teams.map((t) => t.team_id));
  }

  app.post('/', { config: { access: 'directory.write' }, schema: { tags, summary: 'Create an agent', body: CreateAgentBody, response: withErrors({ 201: AgentResponse }) } }, async (request, reply) => {
    const b = request.body;
    const email = await withRequestPaths(async () => normaliseIdentity('email', b.email, '/email'), '/body');
    const id = await db.transaction().execute(async (trx) => {
      await checkIds(request, trx, 'teams', b.teamIds ?? [], '/body/teamIds');
      await checkCalendar(request, trx, b.calendarId);
      const agent = await trx
        .insertInto('agents')
        .values({ organisation_id: organisationOf(request), name: b.name, email, skills: b.skills ?? [], calendar_id: b.calendarId ?? null, ...(b.capacity !== undefined ? { capacity: b.capacity } : {}), ...(b.active !== undefined ? { active: b.active } : {}) })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (b.teamIds?.length) await trx.insertInto('team_members').values(b.teamIds.map((team_id) => ({ team_id, agent_id: agent.id }))).execute();
      return agent.id;
    });
    return reply.code(201).send({ agent: await agentDto(request, id) });
  });

  app.get('/', { config: { access: 'directory.read' }, schema: { tags, summary: 'List agents', response: withErrors({ 200: Type.Object({ agents: Type.Array(AgentSchema) }, { additionalProperties: false }) }) } }, async (request) => {
    const agents = await db.selectFrom('agents').select('id').where('organisation_id', '=', organisationOf(request)).orderBy('name').limit(1000).execute();
    return { agents: await Promise.all(agents.map((a) => agentDto(request, a.id))) };
  });

  app.get('/:id', { config: { access: 'directory.read' }, schema: { tags, summary: 'Get an agent', params: IdParams, response: withErrors({ 200: AgentResponse }) } }, async (request) => ({ agent: await agentDto(request, request.params.id) }));

  app.patch('/:id', { config: { access: 'directory.write' }, schema: { tags, summary: 'Change an agent (teamIds replaces the memberships)', params: IdParams, body: UpdateAgentBody, response: withErrors({ 200: AgentResponse }) } }, async (request) => {
    await agentDto(request, request.params.id);
    const { teamIds, calendarId, ...rest } = request.body;
    const changes = { ...rest, ...(calendarId !== undefined ? { calendar_id: calendarId } : {}) };
    await db.transaction().execute(async (trx) => {
      await checkCalendar(request, trx, calendarId);
      if (Object.keys(changes).length > 0) await trx.updateTable('agents').set(changes).where('id', '=', request.params.id).execute();
      if (teamIds !== undefined) {
        await checkIds(request, trx, 'teams', teamIds, '/body/teamIds');
        await trx.deleteFrom('team_members').where('agent_id', '=', request.params.id).execute();
        if (teamIds.length) await trx.insertInto('team_members').values(teamIds.map((team_id) => ({ team_id, agent_id: request.params.id }))).execute();
      }
    });
    return { agent: await agentDto(request, request.params.id) };
  });
};
