/** OpenAPI 3.1 paths of the Results API (spread into src/ops/openapi.ts). */
type Obj = Record<string, unknown>;

const json = (description: string): Obj => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } } },
});
const err = (description: string): Obj => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const path = (name: string, description: string): Obj => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', pattern: '^[0-9.]{1,64}$' },
});
const common: Obj = {
  tags: ['Results'],
  security: [{ bearer: [] }],
};
const denied: Obj = {
  '400': err('Invalid UID or parameter'),
  '401': err('Missing or unknown bearer token'),
  '403': err('The token lacks the clinician role'),
};

export const RESULTS_OPENAPI_PATHS: Record<string, Obj> = {
  '/api/studies': {
    get: {
      ...common,
      summary: 'Worklist (no PHI): UIDs, receipt dates, statuses, per-eye stages; newest first',
      parameters: [
        { name: 'status', in: 'query', schema: { enum: ['received', 'analysing', 'analysed', 'failed'] } },
        { name: 'stageAtLeast', in: 'query', schema: { type: 'string' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 1000 } },
        { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
      ],
      responses: { '200': json('Worklist items'), ...denied },
    },
  },
  '/api/studies/{study}/results': {
    get: {
      ...common,
      summary: 'Study status, current analysis (per eye, per image), superseded analysis ids',
      parameters: [path('study', 'StudyInstanceUID')],
      responses: { '200': json('Study results'), ...denied, '404': err('Study not found') },
    },
  },
  '/api/studies/{study}/instances/{instance}/mask': {
    get: {
      ...common,
      summary: "Line mask PNG of an image in the study's current analysis",
      parameters: [
        path('study', 'StudyInstanceUID'),
        path('instance', 'SOPInstanceUID'),
        { name: 'frame', in: 'query', schema: { type: 'integer', minimum: 0 } },
      ],
      responses: {
        '200': { description: 'PNG (0/255)', content: { 'image/png': {} } },
        ...denied,
        '404': err('No such instance in the study, or no mask'),
      },
    },
  },
};
