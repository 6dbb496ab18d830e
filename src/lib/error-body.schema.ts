import { z } from 'zod';
import { ERROR_CODES } from './errors';

// The one error shape of every route (see errors.ts), as a schema: the OpenAPI document's
// `Error` component, referred to by every error answer of every route.

/** Every code an answer can carry (errors.ts), so typed clients get an enumeration to switch on. */
const errorCode = z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...Array<keyof typeof ERROR_CODES>]);

export const errorDetailSchema = z.object({ code: errorCode, message: z.string(), field: z.string().optional() });

export const errorBodySchema = z
  .object({
    status: z.number().int(),
    code: errorCode,
    message: z.string(),
    field: z.string().optional(),
    errors: z.array(errorDetailSchema).optional(),
    requestId: z.string().optional(),
  })
  .meta({
    id: 'Error',
    example: {
      status: 422,
      code: 'UNKNOWN_TRAJECTORY',
      message: 'body.trajectoryReference: names no trajectory of your institution',
      field: 'body.trajectoryReference',
      requestId: '4f1c…',
    },
  });

/** The error answers of a route, one entry per status, each in the one error shape. */
export function errorBodies<const Status extends number>(...statuses: Status[]): { [S in Status]: typeof errorBodySchema } {
  return Object.fromEntries(statuses.map((status) => [status, errorBodySchema])) as { [S in Status]: typeof errorBodySchema };
}
