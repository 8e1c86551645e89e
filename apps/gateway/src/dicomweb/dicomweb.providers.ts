import type { Provider, Type } from '@nestjs/common';
import type { PluginContext } from '@ropline/core';
import type { Database } from '@ropline/db';
import type { PublicUrlHolder } from '../stow/stow.controller.js';
import { QIDO_SERVICE, QidoController } from './qido.controller.js';
import { QidoService } from './qido.service.js';
import { WADO_SERVICE, WadoController } from './wado.controller.js';
import { WadoService, type WadoBlobStore } from './wado.service.js';

export interface DicomwebDeps {
  db: Database;
  blobs: WadoBlobStore;
  publicUrl: PublicUrlHolder;
  ctx: PluginContext;
}

export const DICOMWEB_CONTROLLERS: Type[] = [QidoController, WadoController];

/** The QIDO/WADO services as Nest providers (plain objects, explicit tokens). */
export function dicomwebProviders(deps: DicomwebDeps): Provider[] {
  const base = () => deps.publicUrl.url;
  return [
    { provide: QIDO_SERVICE, useValue: new QidoService(deps.db, base) },
    { provide: WADO_SERVICE, useValue: new WadoService(deps.db, deps.blobs, base, deps.ctx) },
  ];
}
