import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthGuard, type TokenEntry } from '@ropline/gateway';
import { ReviewController, ReviewMeController } from './review.controller.js';
import { RetrainingController } from './retraining.controller.js';
import { REVIEW_SERVICES, type ReviewServices } from './review.deps.js';
import { ReviewExceptionFilter } from './review.exception-filter.js';

/** The review API and the gateway's bearer-token guard (same tokens, same roles). */
@Module({})
export class ReviewModule {
  static forRoot(services: ReviewServices, tokens: TokenEntry[]): DynamicModule {
    return {
      module: ReviewModule,
      controllers: [ReviewMeController, ReviewController, RetrainingController],
      providers: [
        { provide: REVIEW_SERVICES, useValue: services },
        { provide: APP_GUARD, useValue: new AuthGuard(tokens) },
        { provide: APP_FILTER, useValue: new ReviewExceptionFilter(services.ctx) },
      ],
    };
  }
}
