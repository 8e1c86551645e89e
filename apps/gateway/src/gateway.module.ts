import { Module, type DynamicModule } from '@nestjs/common';
import type { PluginContext } from '@ropline/core';
import type { StowService } from './stow/stow.service.js';
import { OpsModule, type OpsModuleDeps } from './ops/ops.module.js';
import { DICOMWEB_CONTROLLERS, dicomwebProviders, type DicomwebDeps } from './dicomweb/dicomweb.providers.js';
import {
  GATEWAY_CONTEXT,
  PUBLIC_URL,
  STOW_SERVICE,
  StowController,
  type PublicUrlHolder,
} from './stow/stow.controller.js';
import { resultsModuleParts } from './results/results.controller.js';

export interface GatewayModuleDeps {
  stow: StowService;
  publicUrl: PublicUrlHolder;
  ctx: PluginContext;
  /** QIDO-RS / WADO-RS (src/dicomweb); left out, those routes are not served. */
  dicomweb?: DicomwebDeps;
  /** /health, /metrics, /openapi.json and the bearer-token guard (src/ops, src/auth). */
  ops?: OpsModuleDeps;
}

/** Wires the plain services (built in createGateway) into Nest; explicit tokens, no reflection magic. */
@Module({})
export class GatewayModule {
  static forRoot(deps: GatewayModuleDeps): DynamicModule {
    // Results API (src/results): served with QIDO/WADO, from the same db and blobs.
    const results = deps.dicomweb ? resultsModuleParts(deps.dicomweb) : { controllers: [], providers: [] };
    return {
      module: GatewayModule,
      imports: deps.ops ? [OpsModule.forRoot(deps.ops)] : [],
      controllers: [StowController, ...(deps.dicomweb ? DICOMWEB_CONTROLLERS : []), ...results.controllers],
      providers: [
        { provide: STOW_SERVICE, useValue: deps.stow },
        { provide: PUBLIC_URL, useValue: deps.publicUrl },
        { provide: GATEWAY_CONTEXT, useValue: deps.ctx },
        ...(deps.dicomweb ? dicomwebProviders(deps.dicomweb) : []),
        ...results.providers,
      ],
    };
  }
}
