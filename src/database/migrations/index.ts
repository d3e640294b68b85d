import { InitialSchema1795454567031 } from './1795454567031-InitialSchema';
import { IdempotencyOutcomeOnly1796181244374 } from './1796181244374-IdempotencyOutcomeOnly';
import { ExactIdentifiersBigMoney1796190000000 } from './1796190000000-ExactIdentifiersBigMoney';
import { Refunds1796190100000 } from './1796190100000-Refunds';
import { OrderNumberSlots1796190200000 } from './1796190200000-OrderNumberSlots';
import { MemberApps1796190300000 } from './1796190300000-MemberApps';
import { RefundKeysInRequestClaims1796190400000 } from './1796190400000-RefundKeysInRequestClaims';
import { LineTitleFitsGoodsAndOption1796190600000 } from './1796190600000-LineTitleFitsGoodsAndOption';
import { MerchantNotifyId1796190700000 } from './1796190700000-MerchantNotifyId';
import { IdempotencyExpiryIndex1796190800000 } from './1796190800000-IdempotencyExpiryIndex';

/** Migrations in order. `npm run migration:generate -- src/database/migrations/<Name>` writes a new file; add its class here. */
export const MIGRATIONS: Function[] = [
  InitialSchema1795454567031,
  IdempotencyOutcomeOnly1796181244374,
  ExactIdentifiersBigMoney1796190000000,
  Refunds1796190100000,
  OrderNumberSlots1796190200000,
  MemberApps1796190300000,
  RefundKeysInRequestClaims1796190400000,
  LineTitleFitsGoodsAndOption1796190600000,
  MerchantNotifyId1796190700000,
  IdempotencyExpiryIndex1796190800000,
];
