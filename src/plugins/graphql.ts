import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type ValidationRule } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import { translateDatabaseError } from '../lib/database-errors';
import { AppError, errors } from '../lib/errors';
import type { Principal } from '../modules/api-keys/api-keys.service';
import { principalOf } from './authentication';
import { scopeOf } from './request-scope';
import { graphqlEnum } from '../lib/graphql-enum';
import { ROLES } from '../lib/vocabulary';
import { safeOperationName } from '../lib/operation-name';
import { withoutQuotedIdentifiers } from '../lib/quoted-identifiers';
import { replyWithError } from './error-handler';
import type { Resolvers } from '../generated/graphql';
import { checkGraphqlRequest } from './graphql-request';
import { queryCostRule } from './graphql-cost';
import { maxDepthRule } from './graphql-depth';

declare module 'mercurius' {
  interface MercuriusContext {
    principal: Principal;
  }
}

export interface GraphqlOptions {
  graphiql: boolean;
  introspection: boolean;
  queryDepth: number;
  maxAliases: number;
  maxCost: number;
  maxPageSize: number;
}

/**
 * One operation per document. Compiled (JIT) queries are cached by their text alone, so a
 * document with two operations would run whichever was compiled first, whatever operationName
 * says — and the audit trail would name the other.
 */
const oneOperationPerDocument: ValidationRule = (context) => ({
  Document(node) {
    const operations = node.definitions.filter((definition) => definition.kind === 'OperationDefinition');
    if (operations.length > 1) {
      context.reportError(new GraphQLError('Send one operation per request (this document holds several).', { nodes: operations }));
    }
  },
});

const refuseIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(new GraphQLError('Introspection is disabled on this server.', { nodes: [node] }));
    }
  },
});

/** Mercurius reports request-level failures (validation, depth, batching) as one error holding a list. */
function flattenErrors(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.flatMap((error) => {
    const inner = (error.originalError as { errors?: unknown } | undefined)?.errors;
    if (!Array.isArray(inner)) return [error];
    return inner.map((entry: Error) =>
      entry instanceof GraphQLError ? entry : new GraphQLError(entry.message, { extensions: { code: 'VALIDATION_FAILED' } }),
    );
  });
}

/**
 * graphql-js suggests names it knows ("Did you mean \"trajectories\"?"): with introspection off,
 * those suggestions would let anyone rebuild the schema field by field, so they are cut.
 */
const withoutSuggestions = (message: string) => message.replace(/\s*Did you mean [^?]*\?/g, '');

/** Gives every GraphQL error the same `code` (and `field`) as the REST API, and hides 5xx details. */
function withRegistryCodes(error: GraphQLError, log: FastifyBaseLogger, suggest: boolean): GraphQLError {
  const original = error.originalError;
  let appError: AppError;
  if (!original || original instanceof GraphQLError) {
    // Raised by GraphQL itself (syntax, validation): the query is at fault.
    appError = new AppError('VALIDATION_FAILED', error.message);
  } else if (original instanceof AppError) {
    appError = original;
  } else {
    const statusCode = (original as { statusCode?: number }).statusCode;
    appError =
      translateDatabaseError(original) ??
      (statusCode && statusCode >= 400 && statusCode < 500
        ? new AppError('VALIDATION_FAILED', original.message)
        : errors.internal(original));
  }
  if (appError.status >= 500) log.error({ err: original ?? error, code: appError.code }, 'graphql request failed');
  // GraphQL's messages quote the request: an identifier the client sent is not sent back.
  const message =
    appError.status >= 500
      ? appError.message
      : withoutQuotedIdentifiers(suggest ? error.message : withoutSuggestions(error.message), 'The query is not valid GraphQL.');
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { code: appError.code, ...(appError.field ? { field: appError.field } : {}) },
  });
}

/** Does a value (variables, or a parsed document's literals) hold U+0000 anywhere? */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  // `loc` links a document's tokens in both directions: literals are in the nodes themselves.
  if (value && typeof value === 'object') return Object.entries(value).some(([key, child]) => key !== 'loc' && holdsNul(child));
  return false;
}

/** For Mercurius' error formatter, which would log every error message (see formatErrors). */
const QUIET_LOG = { info: () => undefined };

/** Requests that reached Mercurius' handler: from there on, a failure is answered as GraphQL. */
const reachedGraphql = new WeakSet<FastifyRequest>();

/** An error of GraphQL processing as a GraphQLError (by shape: Mercurius' copy of graphql is another realm in tests). */
const asGraphqlError = (error: Error): GraphQLError =>
  error.constructor.name === 'GraphQLError' ? (error as GraphQLError) : new GraphQLError(error.message, { originalError: error });

/** Mercurius with a minimal root; each feature adds its slice with extendSchema/defineResolvers. */
export const graphqlPlugin = fp(
  async (app: FastifyInstance, options: GraphqlOptions) => {
    // GraphiQL is a static page (the queries it sends to /graphql are authenticated as usual).
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/graphiql')) route.config = { ...route.config, public: true };
      // Every GraphQL request is audited; record-level resolvers name the subjects they return.
      if (route.url === '/graphql') {
        route.config = { ...route.config, audit: { action: 'read', resourceType: 'graphql' } };
        const preHandlers = route.preHandler ? [route.preHandler].flat() : [];
        route.preHandler = [...preHandlers, async (request: FastifyRequest) => void reachedGraphql.add(request)];
        // Before Mercurius' own validation and handler: a malformed request is a 400 in the error shape.
        const preValidations = route.preValidation ? [route.preValidation].flat() : [];
        route.preValidation = [
          ...preValidations,
          async (request: FastifyRequest) => {
            const problem = checkGraphqlRequest(request);
            if (problem) throw problem;
          },
        ];
      }
    });
    const formatErrors = (execution: { data?: unknown; errors: readonly GraphQLError[] }, context: MercuriusContext) => {
      const log = context.reply?.log ?? app.log;
      const mapped = {
        ...execution,
        errors: flattenErrors(execution.errors).map((error) => withRegistryCodes(error, log, options.introspection)),
      };
      // GraphQL answers refusals with 200 and `errors`: the audit trail records what they were.
      const request = context.reply?.request;
      if (request?.audit) request.audit.errorCodes = mapped.errors.map((error) => String(error.extensions.code));
      // Mercurius' formatter logs each error's message, and GraphQL's messages quote the request
      // ("Variable $id got invalid value …"): it gets a logger that drops them, and the request's
      // log line names the codes alone.
      log.info({ codes: request?.audit?.errorCodes }, 'graphql errors');
      return mercurius.defaultErrorFormatter(
        mapped as Parameters<typeof mercurius.defaultErrorFormatter>[0],
        { ...context, reply: { log: QUIET_LOG } } as unknown as MercuriusContext,
      );
    };
    await app.register(mercurius, {
      schema: /* GraphQL */ `
        type Query {
          "The registry's API version."
          apiVersion: String!
          "Who is asking: the role of this request's API key, and its institution when it acts for one. A client (the dashboard) reads what a key may do here instead of trying and being refused."
          viewer: Viewer!
        }
        ${graphqlEnum('Role', ROLES)}
        "The caller of this request, as the registry sees it."
        type Viewer {
          role: Role!
          "The code of the institution the key acts for; null for every role but institution."
          institutionCode: String
          "The declared purpose of use (X-Purpose-Of-Use) of this request, as recorded in the audit trail; null when none was sent."
          purposeOfUse: String
        }
      `,
      resolvers: {
        Query: {
          apiVersion: async () => 'v1',
          viewer: async (_root, _args, context) => {
            const scope = scopeOf(context.reply.request);
            return { role: scope.role, institutionCode: scope.institution?.code ?? null, purposeOfUse: scope.purpose };
          },
        },
      } satisfies Resolvers,
      path: '/graphql',
      graphiql: options.graphiql,
      // Depth is limited by maxDepthRule below, which counts data fields and not introspection.
      allowBatchedQueries: false,
      // Compile a query to JavaScript from its second use: pages of thousands of observations
      // spend most of their time in graphql-js's generic executor otherwise.
      jit: 1,
      context: (request) => {
        const body = (request.body ?? {}) as { operationName?: unknown; variables?: unknown; query?: unknown };
        const query = (request.query ?? {}) as { operationName?: unknown; variables?: unknown; query?: unknown };
        const document = String(body.query ?? query.query ?? '');
        // Without an explicit operationName, the name of the (first) operation in the document.
        const operationName =
          body.operationName ?? query.operationName ?? /^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(document)?.[1];
        // Kept for years: a name that may identify someone is withheld (operation-name.ts).
        request.audit.operation = `graphql ${safeOperationName(operationName)}`;
        request.audit.variables = body.variables ?? query.variables ?? null;
        return { principal: principalOf(request) };
      },
      // Refusals before GraphQL ran (rate limit, body size, malformed JSON) keep their HTTP status
      // and the registry's error shape, as on every other route; later failures are GraphQL errors.
      // Awaiting the reply lets its onSend hooks (the audit event) finish before Mercurius' wrapper
      // resolves; resolving earlier makes Fastify send the answer a second time, empty.
      errorHandler: async (error, request, reply) => {
        if (!reachedGraphql.has(request)) {
          await replyWithError(request, reply, error);
          return;
        }
        const { statusCode, response } = formatErrors({ errors: [asGraphqlError(error)] }, { reply, app } as MercuriusContext);
        await reply.code(statusCode).send(response);
      },
      // Limits beyond depth: aliases (graphql-armor), directives (graphql-armor), and a cost
      // estimate that weighs list sizes (graphql-cost.ts).
      validationRules: [
        oneOperationPerDocument,
        maxDepthRule(options.queryDepth),
        // graphql-armor lets aliases of __typename through by default: 10,000 of them in one request were answered.
        maxAliasesRule({ n: options.maxAliases, allowList: [] }),
        maxDirectivesRule({ n: 10 }),
        queryCostRule(options.maxCost, options.maxPageSize),
        ...(options.introspection ? [] : [refuseIntrospection]),
      ],
      errorFormatter: (execution, context) => formatErrors(execution, context),
    });
    // PostgreSQL text cannot hold U+0000: an argument carrying one would fail in the database
    // (a 5xx) instead of being refused as the client's mistake. Refused before anything runs.
    app.graphql.addHook('preExecution', async (_schema, document, _context, variables) => {
      if (holdsNul(variables) || holdsNul(document.definitions)) {
        throw new GraphQLError('An argument holds the character U+0000, which the registry does not accept in text.');
      }
    });
  },
  { name: 'graphql', dependencies: ['authentication'] },
);
