/**
 * OpenAPI 3.1 description of the gateway's HTTP API (hand-written; kept next to the routes it
 * describes, checked by ops.integration.spec.ts). DICOMweb payloads are DICOM media types described
 * by PS3.18; this document names the routes, statuses and the auth scheme.
 */
import { RESULTS_OPENAPI_PATHS } from '../results/results.openapi.js';

type Obj = Record<string, unknown>;

const error = (description: string): Obj => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const uid = (name: string, description: string): Obj => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', pattern: '^[0-9.]{1,64}$' },
});
const STUDY = uid('study', 'StudyInstanceUID');
const SERIES = uid('series', 'SeriesInstanceUID');
const INSTANCE = uid('instance', 'SOPInstanceUID');
const AUTH: Obj = { security: [{ bearer: [] }] };
const authErrors: Obj = {
  '401': error('Missing or unknown bearer token (WWW-Authenticate: Bearer)'),
  '403': error('The token lacks the required role (sender)'),
};
const dicomJson = (description: string): Obj => ({
  description,
  content: { 'application/dicom+json': { schema: { type: 'array', items: { type: 'object' } } } },
});
const multipart = (description: string): Obj => ({
  description,
  content: { 'multipart/related': { schema: { type: 'string', format: 'binary' } } },
});

function qido(summary: string, parameters: Obj[]): Obj {
  return {
    get: {
      tags: ['QIDO-RS'],
      summary,
      ...AUTH,
      parameters: [
        ...parameters,
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1 } },
        { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } },
        { name: 'includefield', in: 'query', schema: { type: 'string' } },
        { name: 'fuzzymatching', in: 'query', schema: { type: 'boolean' } },
      ],
      responses: {
        '200': dicomJson('Matches (DICOM JSON)'),
        '204': { description: 'No matches' },
        '400': error('Bad query parameter'),
        ...authErrors,
        '406': error('Not acceptable (Accept)'),
      },
    },
  };
}

function wado(summary: string, parameters: Obj[], ok: Obj): Obj {
  return {
    get: {
      tags: ['WADO-RS'],
      summary,
      ...AUTH,
      parameters,
      responses: {
        '200': ok,
        '400': error('Bad UID or frame list'),
        ...authErrors,
        '404': error('Not found'),
        '406': error('Not acceptable (Accept)'),
      },
    },
  };
}

function stow(parameters: Obj[]): Obj {
  return {
    tags: ['STOW-RS'],
    summary: 'Store instances (multipart/related; type="application/dicom")',
    ...AUTH,
    parameters,
    requestBody: {
      required: true,
      content: { 'multipart/related': { schema: { type: 'string', format: 'binary' } } },
    },
    responses: {
      '200': dicomJson('All instances stored (Referenced SOP Sequence)'),
      '202': dicomJson('Some instances stored, some failed (Failed SOP Sequence)'),
      '400': error('Malformed multipart or bad study UID'),
      ...authErrors,
      '409': dicomJson('No instance stored (Failed SOP Sequence with reasons)'),
      '413': error('Request larger than limits.maxRequestBytes'),
      '415': error('Not multipart/related; type="application/dicom"'),
      '507': error('Free disk below limits.minFreeDiskBytes'),
    },
  };
}

const I = '/dicomweb/studies/{study}/series/{series}/instances/{instance}';
const rendered = { description: 'Rendered image', content: { 'image/jpeg': {}, 'image/png': {} } };

export function openApiDocument(): Obj {
  return {
    openapi: '3.1.0',
    info: {
      title: 'ROPline gateway',
      version: '0.1.0',
      description:
        'DICOMweb (STOW-RS, QIDO-RS, WADO-RS) ingest and retrieval, health and metrics. ' +
        'DICOMweb and /api routes need `Authorization: Bearer <token>` (role `sender` for DICOMweb) ' +
        'unless the gateway listens on loopback without tokens. See apps/gateway/README.md#operations.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Token from auth.tokens / ROPLINE_TOKENS' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string' }, message: { type: 'string' } },
        },
        Readiness: {
          type: 'object',
          required: ['status', 'notReady', 'checks'],
          properties: {
            status: { enum: ['ready', 'not-ready'] },
            notReady: { type: 'array', items: { enum: ['database', 'queue'] } },
            checks: { type: 'object' },
          },
        },
      },
    },
    paths: {
      '/health/live': {
        get: {
          tags: ['Operations'],
          summary: 'Liveness: 200 while the process serves',
          security: [],
          responses: { '200': { description: 'Alive' } },
        },
      },
      '/health/ready': {
        get: {
          tags: ['Operations'],
          summary: 'Readiness: database answers SELECT 1 and the job queue is started',
          security: [],
          responses: {
            '200': {
              description: 'Ready',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } },
            },
            '503': {
              description: 'Not ready; notReady names the failing checks',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } },
            },
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['Operations'],
          summary: 'Prometheus metrics (text exposition format)',
          security: [],
          responses: { '200': { description: 'Metrics', content: { 'text/plain': {} } } },
        },
      },
      '/openapi.json': {
        get: {
          tags: ['Operations'],
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } },
        },
      },
      '/dicomweb/studies': { ...qido('Search studies', []), post: stow([]) },
      '/dicomweb/series': qido('Search series', []),
      '/dicomweb/instances': qido('Search instances', []),
      '/dicomweb/studies/{study}': {
        ...wado('Retrieve a study', [STUDY], multipart('Instances (application/dicom parts)')),
        post: stow([STUDY]),
      },
      '/dicomweb/studies/{study}/series': qido('Search series of a study', [STUDY]),
      '/dicomweb/studies/{study}/instances': qido('Search instances of a study', [STUDY]),
      '/dicomweb/studies/{study}/metadata': wado('Study metadata', [STUDY], dicomJson('Metadata')),
      '/dicomweb/studies/{study}/series/{series}': wado(
        'Retrieve a series',
        [STUDY, SERIES],
        multipart('Instances'),
      ),
      '/dicomweb/studies/{study}/series/{series}/metadata': wado(
        'Series metadata',
        [STUDY, SERIES],
        dicomJson('Metadata'),
      ),
      '/dicomweb/studies/{study}/series/{series}/instances': qido('Search instances of a series', [
        STUDY,
        SERIES,
      ]),
      [I]: wado('Retrieve an instance', [STUDY, SERIES, INSTANCE], multipart('The instance')),
      [`${I}/metadata`]: wado('Instance metadata', [STUDY, SERIES, INSTANCE], dicomJson('Metadata')),
      [`${I}/frames/{frames}`]: wado(
        'Retrieve frames (comma-separated 1-based numbers)',
        [STUDY, SERIES, INSTANCE, { name: 'frames', in: 'path', required: true, schema: { type: 'string' } }],
        multipart('Frames (application/octet-stream parts)'),
      ),
      [`${I}/rendered`]: wado('Rendered instance', [STUDY, SERIES, INSTANCE], rendered),
      [`${I}/frames/{frame}/rendered`]: wado(
        'Rendered frame',
        [STUDY, SERIES, INSTANCE, { name: 'frame', in: 'path', required: true, schema: { type: 'integer' } }],
        rendered,
      ),
      ...RESULTS_OPENAPI_PATHS,
    },
  };
}
