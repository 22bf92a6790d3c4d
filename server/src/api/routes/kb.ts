// Knowledge base: markdown articles with a category and draft/published status; ranked full-text search
// over published articles (title weight A, body B) with highlighted snippets.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { decodeKeyset, decodeOffset, encodeKeyset, encodeOffset } from '../repos/keyset.ts';
import { DEFAULT_PAGE_SIZE, IdParams, Nullable, withErrors } from '../schemas.ts';
import { CreateKbBody, KbArticleSchema, KbHitSchema, ListKbQuery, SearchQuery, UpdateKbBody } from '../ticketing-schemas.ts';
import { toKbArticle } from '../ticketing-serialize.ts';
import { organisationOf, rejectNul } from './ticketing-common.ts';

const tags = ['kb'];
const ArticleResponse = Type.Object({ article: KbArticleSchema }, { additionalProperties: false });
const COLUMNS = ['id', 'organisation_id', 'title', 'body_markdown', 'category', 'language', 'status', 'created_at', 'updated_at'] as const;

export const kbRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.addHook('preValidation', rejectNul);
  async function load(request: FastifyRequest, id: string) {
    const row = await db.selectFrom('kb_articles').select(COLUMNS).where('id', '=', id).where('organisation_id', '=', organisationOf(request)).executeTakeFirst();
    if (!row) throw notFound('article', id);
    return row;
  }

  app.post('/articles', { config: { access: 'kb.write' }, schema: { tags, summary: 'Create an article', body: CreateKbBody, response: withErrors({ 201: ArticleResponse }) } }, async (request, reply) => {
    const b = request.body;
    const row = await db
      .insertInto('kb_articles')
      .values({ organisation_id: organisationOf(request), title: b.title, body_markdown: b.bodyMarkdown, category: b.category ?? null, ...(b.language ? { language: b.language } : {}), ...(b.status ? { status: b.status } : {}) })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return reply.code(201).send({ article: toKbArticle(row) });
  });

  app.get(
    '/articles',
    {
      config: { access: 'kb.read' },
      schema: {
        tags,
        summary: 'List articles',
        querystring: ListKbQuery,
        response: withErrors({ 200: Type.Object({ articles: Type.Array(KbArticleSchema), nextCursor: Nullable(Type.String()) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? DEFAULT_PAGE_SIZE;
      let query = db
        .selectFrom('kb_articles as k')
        .select(COLUMNS.map((c) => `k.${c}` as const))
        .select(sql<string>`to_char(k.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_ts'))
        .where('k.organisation_id', '=', organisationOf(request));
      if (q.status) query = query.where('k.status', '=', q.status);
      if (q.category) query = query.where('k.category', '=', q.category);
      if (q.cursor) {
        const after = decodeKeyset(q.cursor);
        query = query.where(sql<boolean>`(k.created_at, k.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
      }
      const rows = await query.orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit);
      return { articles: page.map(toKbArticle), nextCursor: rows.length > limit ? encodeKeyset(page[page.length - 1]!) : null };
    },
  );

  app.get(
    '/search',
    {
      config: { access: 'kb.read' },
      schema: {
        tags,
        summary: 'Search published articles',
        description: "websearch_to_tsquery('english', q) ranked with ts_rank_cd (title matches first), snippets from ts_headline. Drafts are never returned.",
        querystring: SearchQuery,
        response: withErrors({ 200: Type.Object({ hits: Type.Array(KbHitSchema), nextCursor: Nullable(Type.String()) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_PAGE_SIZE;
      const offset = decodeOffset(request.query.cursor);
      const { rows } = await sql<Record<string, unknown> & { rank: number; snippet: string }>`
        WITH query AS (SELECT websearch_to_tsquery('english', ${request.query.q}) AS tsq),
        page AS (
          SELECT k.id, ts_rank_cd(k.search, query.tsq)::float8 AS rank FROM kb_articles k, query
          WHERE k.organisation_id = ${organisationOf(request)} AND k.status = 'published' AND k.search @@ query.tsq
          ORDER BY rank DESC, k.id LIMIT ${limit + 1} OFFSET ${offset})
        SELECT k.id, k.organisation_id, k.title, k.body_markdown, k.category, k.language, k.status, k.created_at, k.updated_at, page.rank,
          ts_headline('english', k.title || E'\n' || k.body_markdown, query.tsq, 'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
        FROM page JOIN kb_articles k ON k.id = page.id, query ORDER BY page.rank DESC, page.id`.execute(db);
      const page = rows.slice(0, limit);
      return {
        hits: page.map((row) => ({ article: toKbArticle(row as unknown as Parameters<typeof toKbArticle>[0]), rank: Number(row.rank), snippet: row.snippet })),
        nextCursor: rows.length > limit ? encodeOffset(offset + limit) : null,
      };
    },
  );

  app.get('/articles/:id', { config: { access: 'kb.read' }, schema: { tags, summary: 'Get an article', params: IdParams, response: withErrors({ 200: ArticleResponse }) } }, async (request) => ({ article: toKbArticle(await load(request, request.params.id)) }));

  app.patch('/articles/:id', { config: { access: 'kb.write' }, schema: { tags, summary: 'Change an article', params: IdParams, body: UpdateKbBody, response: withErrors({ 200: ArticleResponse }) } }, async (request) => {
    await load(request, request.params.id);
    const b = request.body;
    const row = await db
      .updateTable('kb_articles')
      .set({
        ...(b.title !== undefined ? { title: b.title } : {}),
        ...(b.bodyMarkdown !== undefined ? { body_markdown: b.bodyMarkdown } : {}),
        ...(b.category !== undefined ? { category: b.category } : {}),
        ...(b.language !== undefined ? { language: b.language } : {}),
        ...(b.status !== undefined ? { status: b.status } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', request.params.id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    return { article: toKbArticle(row) };
  });

  app.delete('/articles/:id', { config: { access: 'kb.write' }, schema: { tags, summary: 'Delete an article', params: IdParams, response: withErrors({ 204: Type.Null() }) } }, async (request, reply) => {
    await load(request, request.params.id);
    await db.deleteFrom('kb_articles').where('id', '=', request.params.id).execute();
    return reply.code(204).send(null);
  });
};
