import type { FastifyInstance } from 'fastify';
import { createUnitOfWork } from '../../db/unit-of-work';
import type { Database } from '../../db/client';
import { erasureRoutes } from './erasure.routes';
import { createErasureService } from './erasure.service';

/** Erasure at an institution (role institution) and registry-wide (role privacy_officer). */
export async function erasureModule(app: FastifyInstance, options: { database: Database; registryPseudonymKey: Buffer }) {
  const { database } = options;
  await app.register(erasureRoutes, {
    prefix: '/api/v1',
    erasure: createErasureService(options.registryPseudonymKey),
    workFor: (request, details) =>
      createUnitOfWork(database, [
        app.auditLog.participant(request, (written) => ({ statusCode: 200, facts: { details: details(written.deleted) } })),
      ]),
  });
}
