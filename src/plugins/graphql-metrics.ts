import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { DocumentNode } from 'graphql';

// GraphQL operations by name, type and outcome, from Mercurius' hooks: preExecution names the
// operation (after parsing and validation), onResolution tells whether it returned errors. A
// request refused before execution (key, rate limit, syntax, validation, cost) is counted as
// "refused", with the operation "unknown": its document was not accepted, so its name is not
// trusted either. HTTP status codes alone cannot tell these apart: GraphQL errors come with 200.

interface OperationState {
  operation: string;
  type: string;
  started: bigint;
  outcome?: 'success' | 'error';
}

const operationOf = (document: DocumentNode) => document.definitions.find((definition) => definition.kind === 'OperationDefinition');

export const graphqlMetricsPlugin = fp(
  async (app: FastifyInstance) => {
    const { metrics } = app;
    const states = new WeakMap<FastifyRequest, OperationState>();

    app.graphql.addHook('preExecution', async (_schema, document, context) => {
      const definition = operationOf(document);
      if (definition?.kind !== 'OperationDefinition' || !context.reply) return;
      states.set(context.reply.request, {
        operation: metrics.operationLabel(definition.name?.value),
        type: definition.operation,
        started: process.hrtime.bigint(),
      });
    });
    app.graphql.addHook('onResolution', async (execution, context) => {
      const state = context.reply && states.get(context.reply.request);
      if (!state) return;
      state.outcome = execution.errors?.length ? 'error' : 'success';
      metrics.graphqlDuration.observe(
        { operation: state.operation, type: state.type },
        Number(process.hrtime.bigint() - state.started) / 1e9,
      );
    });
    app.addHook('onResponse', async (request) => {
      if (request.routeOptions.url !== '/graphql') return;
      const state = states.get(request);
      // Executed but failed before resolving (a resolver threw past the formatter): an error.
      const outcome = state ? (state.outcome ?? 'error') : 'refused';
      metrics.graphqlOperations.inc({ operation: state?.operation ?? 'unknown', type: state?.type ?? 'unknown', outcome });
    });
  },
  { name: 'graphql-metrics', dependencies: ['metrics', 'graphql'] },
);
