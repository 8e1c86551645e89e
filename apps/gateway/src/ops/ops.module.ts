import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { TokenEntry } from '../auth/auth.config.js';
import { AuthGuard } from '../auth/auth.guard.js';
import { OPS_DEPS, OpsController, type OpsDeps } from './ops.controller.js';

export interface OpsModuleDeps extends OpsDeps {
  /** Hashed bearer tokens (src/auth); empty = no auth (loopback only, enforced by createGateway). */
  tokens: TokenEntry[];
}

/** /health, /metrics, /openapi.json and the global bearer-token guard. */
@Module({})
export class OpsModule {
  static forRoot(deps: OpsModuleDeps): DynamicModule {
    return {
      module: OpsModule,
      controllers: [OpsController],
      providers: [
        { provide: OPS_DEPS, useValue: deps },
        { provide: APP_GUARD, useValue: new AuthGuard(deps.tokens) },
      ],
    };
  }
}
