import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { AlipayKeys, liveAlipayKeys } from './alipay-keys';

/**
 * Provides `AlipayKeys` to every module. In live mode they come from the configuration; in sandbox mode the development
 * tools provide a module of their own in this one's place (`DevModule.alipayKeys`).
 */
@Module({})
export class AlipayKeysModule {
  static live(): DynamicModule {
    return { module: AlipayKeysModule, global: true, providers: [{ provide: AlipayKeys, inject: [AppConfig], useFactory: liveAlipayKeys }], exports: [AlipayKeys] };
  }
}
