import { z } from 'zod';

// The one error shape of every route (see errors.ts), as a schema: the OpenAPI document's
// `Error` component, referred to by every error answer of every route.

export const errorDetailSchema = z.object({ code: z.string(), message: z.string(), field: z.string().optional() });

export const errorBodySchema = z
  .object({
    status: z.number().int(),
    code: z.string(),
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
