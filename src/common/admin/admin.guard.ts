import { applyDecorators, CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Request } from 'express';
import { AppConfig } from '../../config/app-config';
import { SignatureError } from '../errors/app-error';
import { hexEquals, sha256Hex } from '../signature/hash';

/** `Authorization: Bearer <ADMIN_TOKEN>`; compared in constant time. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    this.check(context.switchToHttp().getRequest<Request>());
    return true;
  }

  /** Throws 40101 unless the request carries the admin token. */
  check(req: Request): void {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match || !hexEquals(sha256Hex(this.config.ADMIN_TOKEN), sha256Hex(match[1]))) {
      throw new SignatureError('管理员令牌无效');
    }
  }
}

/** Operators' API: bearer token, documented in Swagger. */
export const AdminOnly = () => applyDecorators(UseGuards(AdminGuard), ApiBearerAuth('admin'));
