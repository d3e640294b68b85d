import { Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { TransactionService } from '../transaction.service';
import { loadDemoData } from './demo-data';

/** Loads the demo data on the first start of the embedded default (SPEC §9). */
@Injectable()
export class DemoDataLoader implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoData');

  constructor(
    private readonly config: AppConfig,
    private readonly tx: TransactionService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.loadDemoData) return;
    const loaded = await this.tx.run((em) => loadDemoData(em));
    if (loaded) this.logger.log('demo data loaded (SPEC §9)');
  }
}

@Module({ providers: [DemoDataLoader] })
export class DemoDataModule {}
