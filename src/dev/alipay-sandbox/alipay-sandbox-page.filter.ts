import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import { respondToException } from '../../common/envelope/exception.filters';
import { AppLogger } from '../../common/http/app-logger';
import { refusalPage } from './alipay-sandbox.pages';

/** The sandbox gateway is looked at in a browser: its refusals are pages with the status of their class. */
@Catch()
@Injectable()
export class AlipaySandboxPageFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    respondToException(exception, host, this.logger, (res, described) => res.status(described.httpStatus).type('text/html; charset=utf-8').send(refusalPage(described)));
  }
}
