import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { SignatureError } from '../common/errors/app-error';
import { signedRequestOf } from '../common/signature/signature-metadata';

/** The app whose secret verified the request: the only app whose trades the request may see, and whose members it may serve. */
export const MallAppId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const appId = signedRequestOf(ctx.switchToHttp().getRequest())?.appId;
  if (!appId) throw new SignatureError();
  return appId;
});
