import { Injectable, OnModuleDestroy } from '@nestjs/common';

/**
 * Whether this instance is shutting down (SPEC §11): from that moment `/health/ready` answers 503, so that a load
 * balancer sends its new requests elsewhere while the ones in flight finish. The shutdown sets it when the signal
 * arrives; Nest's close sets it too, with the first of its hooks, for any other way the application closes.
 */
@Injectable()
export class DrainState implements OnModuleDestroy {
  private began = false;

  begin(): void {
    this.began = true;
  }

  get draining(): boolean {
    return this.began;
  }

  onModuleDestroy(): void {
    this.begin();
  }
}
