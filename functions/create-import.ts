import * as z from 'zod';
import { startImport } from '../src/core/import-jobs.ts';
import { importJobDeps } from './commons/imports.ts';
import { UnitIdParams } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** A file to import, of any size: checkpoints under a unit, or units (with their parents). */
export const CreateImportBody = z
  .strictObject({
    what: z.enum(['checkpoints', 'units']),
    unitId: UnitIdParams.shape.unitId.optional(),
    format: z.enum(['xlsx', 'csv']),
  })
  .refine((body) => body.what === 'units' || body.unitId !== undefined, {
    path: ['unitId'],
    message: 'Required for checkpoints: the unit they are imported under',
  });

/** Records an import job and answers where to PUT its file (presigned, 15 minutes); the upload starts the job. */
export const handler = staffRoute(events, { body: CreateImportBody }, async ({ body, principal }) => ({
  status: 201,
  json: await startImport(importJobDeps, principal, body),
}));
