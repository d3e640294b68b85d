import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import { respondToException } from '../../common/envelope/exception.filters';
import { AppLogger } from '../../common/http/app-logger';

/**
 * Alipay reads only the body text of its notify's response: anything but `success` makes it retry later,
 * which is what a failure here should cause. So no envelope and no stack, just `failure` (and a log line).
 */
@Catch()
@Injectable()
export class AlipayNotifyExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    respondToException(exception, host, this.logger, (res, described) => res.status(described.httpStatus).type('text/plain; charset=utf-8').send('failure'), {
      logExpected: 'alipay notify failed',
    });
  }
}
