import type { FastifyRequest } from 'fastify';
import { negotiate } from '../../lib/content-negotiation';
import { AppError } from '../../lib/errors';

// Statistics are read by tools (funders' spreadsheets, dashboards) that say what they can read:
// a type the route cannot produce is a 406 in the error shape, before anything is computed, not
// JSON the tool did not ask for.

/** The type to answer in, of those offered; a NOT_ACCEPTABLE refusal when Accept allows none. */
export function answerTypeOf<T extends string>(request: FastifyRequest, offered: readonly [T, ...T[]]): T {
  const chosen = negotiate(request.headers.accept, offered) as T | undefined;
  if (!chosen) {
    throw new AppError('NOT_ACCEPTABLE', `This route answers in ${offered.join(' or ')}; the Accept header allows neither.`, {
      field: 'headers.accept',
    });
  }
  return chosen;
}
