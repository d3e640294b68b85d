import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AlipayKeys, loadAlipayKeys } from './alipay/alipay-keys';
import { AlipayNotifyController } from './alipay/alipay-notify.controller';
import { AlipayNotifyService } from './alipay/alipay-notify.service';
import { AlipaySandboxController } from './alipay/alipay-sandbox.controller';
import { AlipaySandboxService } from './alipay/alipay-sandbox.service';
import { AlipayService } from './alipay/alipay.service';
import { PaymentSettlementRegistry } from './payment-settlement.registry';
import { PaymentService } from './payment.service';
import { WalletService } from './wallet/wallet.service';

@Module({
  controllers: [AlipayNotifyController, AlipaySandboxController],
  providers: [
    WalletService,
    PaymentService,
    PaymentSettlementRegistry,
    { provide: AlipayKeys, inject: [AppConfig], useFactory: loadAlipayKeys },
    AlipayService,
    AlipayNotifyService,
    AlipaySandboxService,
  ],
  exports: [WalletService, PaymentService, PaymentSettlementRegistry, AlipayService],
})
export class PaymentsModule {}
