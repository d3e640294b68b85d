import { ArgumentsHost, BadRequestException, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import { driverCode } from '../../database/db-errors';
import { describeError, ErrorDescription } from '../errors/describe-error';
import { AppLogger, cutForLog } from '../http/app-logger';
import { HttpReply, HttpRequest, pathOf } from '../http/http-request';
import { OVERLOAD_LOG, RETRY_AFTER_SECONDS } from '../http/load-shedding';
import { noteOnAccessLine, requestIdOf } from '../http/request-context';
import { API_ANSWER_HEADERS } from '../http/security-headers';
import { ApiFamily, errorBody, familyOfPath } from './envelopes';

/**
 * The one path of every failed request: describe the exception, log the unexpected ones with the request id, note
 * the expected failures of callbacks that must be traced on the access line, then let `send` write the family's
 * body. Never a stack trace on the wire; whatever came with the request is cut before it reaches the log.
 */
export function respondToException(
  exception: unknown,
  host: ArgumentsHost,
  logger: AppLogger,
  send: (res: HttpReply, described: ErrorDescription, req: HttpRequest) => void,
  options: { logExpected?: string } = {},
): void {
  const http = host.switchToHttp();
  const req = http.getRequest<HttpRequest>();
  const res = http.getResponse<HttpReply>();
  const requestId = requestIdOf(req);
  const described = describeError(exception, requestId);
  const err = exception as Error;
  const message = cutForLog(err?.message ?? String(exception));
  if (described.overload) {
    logger.tally(OVERLOAD_LOG, (driverCode(exception) ?? 'busy').toLowerCase());
  } else if (described.unexpected) {
    const fields = { request_id: requestId, path: cutForLog(req.originalUrl) };
    const prefix = options.logExpected ? `${options.logExpected}: ` : '';
    // 503: the database is away. Worth a line per request, not a stack per request for the length of an outage.
    if (described.httpStatus === 503) logger.warn(`${prefix}${message}`, fields);
    else logger.error(`${prefix}${message}`, { ...fields, stack: err?.stack?.split('\n', 32).map(cutForLog).join('\n') });
  } else if (options.logExpected) {
    noteOnAccessLine(req, { failure: `${options.logExpected}: ${message}` }, 'warn');
  }
  if (res.sent) return;
  if (described.httpStatus === 503) res.header('Retry-After', String(RETRY_AFTER_SECONDS));
  send(res, described, req);
}

/** Writes any exception as the family's JSON error envelope (by path when the family is not known). */
export function writeError(exception: unknown, host: ArgumentsHost, family: ApiFamily | undefined, logger: AppLogger): void {
  respondToException(exception, host, logger, (res, described, req) => {
    res.status(described.httpStatus).send(errorBody(family ?? familyOfPath(pathOf(req)), described));
  });
}

/**
 * Fastify's `frameworkErrors`: a path its router cannot decode (bad percent-encoding) is refused before any hook or
 * filter runs. It gets the path's envelope and a request id all the same, and the 400 Nest gave it under Express.
 */
export function answerRouterRefusal(error: Error, req: HttpRequest, res: HttpReply): void {
  const described = describeError(new BadRequestException(error.message), req.id);
  res.header('X-Request-Id', req.id).headers(API_ANSWER_HEADERS).status(described.httpStatus).send(errorBody(familyOfPath(pathOf(req)), described));
}

@Catch()
@Injectable()
export class PartnerExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    writeError(exception, host, 'partner', this.logger);
  }
}

@Catch()
@Injectable()
export class MallExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    writeError(exception, host, 'mall', this.logger);
  }
}

/** Global: errors outside any controller (unknown routes, unparsable bodies) get the envelope of their path. */
@Catch()
@Injectable()
export class FallbackExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: AppLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    writeError(exception, host, undefined, this.logger);
  }
}
