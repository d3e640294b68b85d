import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AppConfig, DEV_PARTNER_SIGN_KEY } from '../config/app-config';
import { SwaggerPageExtension } from '../docs/swagger';
import { PaymentsModule } from '../payments/payments.module';
import { AlipaySandboxController } from './alipay-sandbox/alipay-sandbox.controller';
import { AlipaySandboxService } from './alipay-sandbox/alipay-sandbox.service';
import { AlipayKeys } from '../payments/alipay/alipay-keys';
import { loadSandboxKeys, SandboxAlipayKeys } from './alipay-sandbox/sandbox-keys';
import { SwaggerPageSigning } from './swagger-page-signing';

/**
 * Development tools, loaded only where they are wanted: the Alipay sandbox in sandbox mode (it marks payments paid,
 * so elsewhere its routes do not exist), and the Swagger page's request signing where the development keys are in
 * use outside production.
 */
@Module({})
export class DevModule {
  static alipaySandbox(config: AppConfig): boolean {
    return config.alipayMode === 'sandbox';
  }

  static swaggerSigning(config: AppConfig): boolean {
    return !config.isProduction && config.PARTNER_SIGN_KEY === DEV_PARTNER_SIGN_KEY;
  }

  /**
   * In sandbox mode the service's Alipay keys are the sandbox's, for every module (in `AlipayKeysModule.live()`'s
   * place); `null` in live mode.
   */
  static alipayKeys(config: AppConfig): DynamicModule | null {
    if (!DevModule.alipaySandbox(config)) return null;
    return {
      module: AlipaySandboxKeysModule,
      global: true,
      providers: [
        { provide: SandboxAlipayKeys, inject: [AppConfig], useFactory: loadSandboxKeys },
        { provide: AlipayKeys, inject: [SandboxAlipayKeys, AppConfig], useFactory: (keys: SandboxAlipayKeys, config: AppConfig) => keys.channel(config.PUBLIC_BASE_URL) },
      ],
      exports: [SandboxAlipayKeys, AlipayKeys],
    };
  }

  /** The module when some tool is wanted; `null` leaves the service without any. */
  static forRoot(config: AppConfig): DynamicModule | null {
    const sandbox = DevModule.alipaySandbox(config);
    const signing = DevModule.swaggerSigning(config);
    if (!sandbox && !signing) return null;
    const pageSigning: Provider[] = signing ? [{ provide: SwaggerPageExtension, useClass: SwaggerPageSigning }] : [];
    return {
      module: DevModule,
      imports: [PaymentsModule],
      controllers: sandbox ? [AlipaySandboxController] : [],
      providers: [...(sandbox ? [AlipaySandboxService] : []), ...pageSigning],
      exports: pageSigning,
    };
  }
}

@Module({})
class AlipaySandboxKeysModule {}
