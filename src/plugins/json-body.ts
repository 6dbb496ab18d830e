import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../lib/errors';
import { jsonNestsDeeperThan, MAX_NESTING_DEPTH } from '../lib/nesting-depth';

// JSON bodies are measured before they are parsed: nesting beyond MAX_NESTING_DEPTH is refused
// with a 400 on the text, so no parser, schema check or audit hash ever walks it. Parsing itself
// stays Fastify's (with its prototype-poisoning protection); the size limit is BODY_LIMIT_BYTES.

export const tooDeep = () =>
  new AppError('VALIDATION_FAILED', `The JSON nests deeper than ${MAX_NESTING_DEPTH} levels; no request of this API needs that.`, {
    field: 'body',
  });

export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    const parse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (jsonNestsDeeperThan(body as string, MAX_NESTING_DEPTH)) {
        done(tooDeep(), undefined);
        return;
      }
      parse(request, body as string, done);
    });
  },
  { name: 'json-body', dependencies: ['error-handler'] },
);
