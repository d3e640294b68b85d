import { IdempotencyRecord } from './common/idempotency-record.entity';
import { MALL_ENTITIES } from './mall';
import { PARTNER_ENTITIES } from './partner';
import { PAYMENTS_ENTITIES } from './payments';

/** Every entity of the service; the data source and the migrations are built from this list. */
export const ENTITIES: Function[] = [IdempotencyRecord, ...PAYMENTS_ENTITIES, ...PARTNER_ENTITIES, ...MALL_ENTITIES];
