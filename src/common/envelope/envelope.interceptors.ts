import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { map, Observable } from 'rxjs';
import { ApiFamily, successBody } from './envelopes';

export const SUCCESS_MSG = 'envelope:success-msg';

abstract class EnvelopeInterceptor implements NestInterceptor {
  protected abstract readonly family: ApiFamily;

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const msg = Reflect.getMetadata(SUCCESS_MSG, context.getHandler()) as string | undefined;
    return next.handle().pipe(map((data) => successBody(this.family, data, msg)));
  }
}

@Injectable()
export class PartnerEnvelopeInterceptor extends EnvelopeInterceptor {
  protected readonly family = 'partner';
}

@Injectable()
export class MallEnvelopeInterceptor extends EnvelopeInterceptor {
  protected readonly family = 'mall';
}
