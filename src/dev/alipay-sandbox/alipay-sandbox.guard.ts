import { CanActivate, Injectable } from '@nestjs/common';
import { NotFoundError } from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';

/** The sandbox can mark payments paid, so outside sandbox mode its routes answer as if they did not exist. */
@Injectable()
export class AlipaySandboxGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (this.config.alipayMode !== 'sandbox') throw new NotFoundError('接口不存在');
    return true;
  }
}
