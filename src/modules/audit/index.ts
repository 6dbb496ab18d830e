import type { FastifyInstance } from 'fastify';
import type { Database } from '../../db/client';
import { auditRoutes } from './audit.routes';
import { createAuditService } from './audit.service';

export type { KeyConfirmation, RefusedKey } from './audit-writer';
export { type AuditCheckpointer, createAuditCheckpointer } from './audit-checkpointer';

export async function auditModule(app: FastifyInstance, options: { database: Database; registryPseudonymKey: Buffer }) {
  await app.register(auditRoutes, {
    prefix: '/api/v1',
    service: createAuditService(options.database),
    registryPseudonymKey: options.registryPseudonymKey,
  });
}
