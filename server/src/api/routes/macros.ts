// Macros (canned replies with ticket actions): create / list / read / change / delete. Applying one to a
// ticket is POST /api/tickets/:id/macros/:macroId (routes/tickets.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../../errors.ts';
import { assertMacroActions } from '../../ticketing/index.ts';
import type { ApiDeps } from '../deps.ts';
import { IdParams, withErrors } from '../schemas.ts';
import { iso } from '../serialize.ts';
import { CreateMacroBody, MacroSchema, UpdateMacroBody } from '../ticketing-schemas.ts';
import { organisationOf, rejectNul, withRequestPaths } from './ticketing-common.ts';

const tags = ['macros'];
const MacroResponse = Type.Object({ macro: MacroSchema }, { additionalProperties: false });
type MacroRow = { id: string; name: string; body: string; actions: unknown[]; created_at: Date };
const toMacro = (row: MacroRow) => ({ id: row.id, name: row.name, body: row.body, actions: row.actions, createdAt: iso(row.created_at) });

export const macroRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.addHook('preValidation', rejectNul);
  async function load(request: FastifyRequest, id: string) {
    const row = await db.selectFrom('macros').selectAll().where('id', '=', id).where('organisation_id', '=', organisationOf(request)).executeTakeFirst();
    if (!row) throw notFound('macro', id);
    return row;
  }

  app.post('/', { config: { access: 'macros.write' }, schema: { tags, summary: 'Create a macro', body: CreateMacroBody, response: withErrors({ 201: MacroResponse }) } }, async (request, reply) => {
    const actions = await withRequestPaths(async () => assertMacroActions(request.body.actions ?? []), '/body');
    const row = await db
      .insertInto('macros')
      .values({ organisation_id: organisationOf(request), name: request.body.name, body: request.body.body, actions: JSON.stringify(actions) })
      .returningAll()
      .executeTakeFirstOrThrow();
    return reply.code(201).send({ macro: toMacro(row) });
  });

  app.get('/', { config: { access: 'macros.read' }, schema: { tags, summary: 'List macros', response: withErrors({ 200: Type.Object({ macros: Type.Array(MacroSchema) }, { additionalProperties: false }) }) } }, async (request) => {
    const rows = await db.selectFrom('macros').selectAll().where('organisation_id', '=', organisationOf(request)).orderBy('name').limit(1000).execute();
    return { macros: rows.map(toMacro) };
  });

  app.get('/:id', { config: { access: 'macros.read' }, schema: { tags, summary: 'Get a macro', params: IdParams, response: withErrors({ 200: MacroResponse }) } }, async (request) => ({ macro: toMacro(await load(request, request.params.id)) }));

  app.patch('/:id', { config: { access: 'macros.write' }, schema: { tags, summary: 'Change a macro', params: IdParams, body: UpdateMacroBody, response: withErrors({ 200: MacroResponse }) } }, async (request) => {
    await load(request, request.params.id);
    const b = request.body;
    const actions = b.actions === undefined ? undefined : await withRequestPaths(async () => assertMacroActions(b.actions!), '/body');
    const row = await db
      .updateTable('macros')
      .set({ ...(b.name !== undefined ? { name: b.name } : {}), ...(b.body !== undefined ? { body: b.body } : {}), ...(actions !== undefined ? { actions: JSON.stringify(actions) } : {}) })
      .where('id', '=', request.params.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { macro: toMacro(row) };
  });

  app.delete('/:id', { config: { access: 'macros.write' }, schema: { tags, summary: 'Delete a macro', params: IdParams, response: withErrors({ 204: Type.Null() }) } }, async (request, reply) => {
    await load(request, request.params.id);
    await db.deleteFrom('macros').where('id', '=', request.params.id).execute();
    return reply.code(204).send(null);
  });
};
