import { Payment } from './payment.entity';
import { Refund } from './refund.entity';
import { Wallet } from './wallet.entity';
import { WalletLedger } from './wallet-ledger.entity';

/** Entities of the payments module. */
export const PAYMENTS_ENTITIES: Function[] = [Wallet, WalletLedger, Payment, Refund];
