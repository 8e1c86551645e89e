import { Module, type DynamicModule } from '@nestjs/common';
import type { PluginContext } from '@ropline/core';
import type { StowService } from './stow/stow.service.js';
import {
  GATEWAY_CONTEXT,
  PUBLIC_URL,
  STOW_SERVICE,
  StowController,
  type PublicUrlHolder,
} from './stow/stow.controller.js';

export interface GatewayModuleDeps {
  stow: StowService;
  publicUrl: PublicUrlHolder;
  ctx: PluginContext;
}

/** Wires the plain services (built in createGateway) into Nest; explicit tokens, no reflection magic. */
@Module({})
export class GatewayModule {
  static forRoot(deps: GatewayModuleDeps): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [StowController],
      providers: [
        { provide: STOW_SERVICE, useValue: deps.stow },
        { provide: PUBLIC_URL, useValue: deps.publicUrl },
        { provide: GATEWAY_CONTEXT, useValue: deps.ctx },
      ],
    };
  }
}
